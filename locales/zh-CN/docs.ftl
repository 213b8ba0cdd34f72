# docs：本功能的消息。每个键必须在所有语言中都存在（有测试检查）。

## API documentation
api-docs-title = API 文档
api-docs-version = 版本 { $version }
api-docs-intro = 本参考文档根据 OpenAPI 文档自动生成，始终与当前运行的服务器保持一致。
api-docs-openapi-link = 下载 OpenAPI 文档（JSON）
api-docs-contents = 接口列表
api-docs-tags = 标签
api-docs-responses = 响应
api-docs-status = 状态码
api-docs-description = 说明
api-docs-empty = 暂无已记录的接口。
api-docs-back = 返回接口列表
