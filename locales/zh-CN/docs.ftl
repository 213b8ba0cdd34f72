# docs：本功能的消息。每个键必须在所有语言中都存在（有测试检查）。

## API documentation
api-docs-title = API 文档
api-docs-version = 版本 { $version }
api-docs-intro = 本参考文档根据 OpenAPI 文档自动生成，始终与当前运行的服务器保持一致。
api-docs-openapi-link = 下载 OpenAPI 文档（JSON）
api-docs-contents = 目录
api-docs-tags = 标签
api-docs-responses = 响应
api-docs-status = 状态码
api-docs-description = 说明
api-docs-empty = 暂无已记录的接口。
api-docs-back = 返回目录

## Authentication
api-docs-authentication = 身份验证
api-docs-authentication-intro = 需要已登录调用方的接口接受以下任意一种方式。
api-docs-scheme-bearer = HTTP Bearer 令牌，通过 Authorization 请求头发送。
api-docs-scheme-http = HTTP 身份验证，方案：
api-docs-scheme-cookie = 通过 Cookie 发送的密钥：
api-docs-scheme-header = 通过请求头发送的密钥：
api-docs-scheme-query = 通过查询参数发送的密钥：
api-docs-scheme-other = 方案类型：
api-docs-op-security = 身份验证：
api-docs-op-security-none = 无需登录
api-docs-or = 或

## Parameters, bodies and schemas
api-docs-parameters = 参数
api-docs-request-body = 请求体
api-docs-body = 响应体
api-docs-no-body = 无响应体
api-docs-content-type = 内容类型：
api-docs-schema = 结构：
api-docs-name = 名称
api-docs-in-query = 查询
api-docs-in-path = 路径
api-docs-in-header = 请求头
api-docs-in-cookie = Cookie
api-docs-type = 类型
api-docs-optional = 可选
api-docs-required = 必填
api-docs-schemas = 数据结构
api-docs-schemas-intro = 请求和响应所用的对象。

## Constraints on values
api-docs-constraint = { $name }：
api-docs-c-default = 默认值
api-docs-c-minimum = 最小值
api-docs-c-exclusive-minimum = 大于
api-docs-c-maximum = 最大值
api-docs-c-exclusive-maximum = 小于
api-docs-c-multiple-of = 倍数
api-docs-c-min-length = 最小长度
api-docs-c-max-length = 最大长度
api-docs-c-pattern = 格式
api-docs-c-min-items = 最少项数
api-docs-c-max-items = 最多项数
api-docs-c-const = 固定值
api-docs-c-example = 示例
api-docs-c-enum = 可选值
api-docs-c-read-only = 只读
api-docs-c-write-only = 只写
api-docs-c-deprecated = 已弃用
api-docs-op-security-optional = （可选：任何人都可调用；已登录的调用者可获得更多内容）
