# Portico — 简体中文。此处每个键也必须存在于 locales/en/main.ftl 中。

## Layout

skip-link = 跳到主要内容
nav-label = 账户
nav-sign-in = 登录
nav-sign-out = 退出登录
nav-signed-in-as = 已登录：{ $name }
lang-switch-label = 选择语言
footer-nav-label = 更多链接
footer-api-docs = API 文档

## Roles

role-customer = 客户
role-agent = 客服专员
role-admin = 管理员

## Home

home-title = 首页
home-search-label = 有什么可以帮您？
home-search-hint = 用几个词描述您的需求，例如“查询订单”或“修改地址”。
home-search-button = 搜索
home-tasks-heading = 常用服务
home-tasks-empty = 暂未设置常用服务，请使用上方的搜索框查找帮助。
home-requests-heading = 进行中的请求
home-requests-empty-title = 您目前没有进行中的请求
home-requests-empty-body = 您提交请求后，会显示在这里，方便您随时查看进度并回复。

## Errors

error-not-found-title = 找不到该页面
error-not-found-body = 您要访问的页面不存在或已移动。请检查网址，或直接搜索您需要的内容。
error-internal-title = 出了点问题
error-internal-body = 由于我们这边出现故障，暂时无法完成您的请求。请稍后再试。
error-bad-request-title = 无法处理该请求
error-bad-request-body = 请求内容有误。请返回检查您填写的信息，然后重试。
error-forbidden-title = 您无权访问此页面
error-forbidden-body = 请使用有访问权限的账户登录，或返回首页。
error-method-title = 此处不支持该操作
error-method-body = 无法以这种方式使用此页面。请返回，并通过页面上的链接或按钮重新操作。
error-too-large-title = 提交的内容过大
error-too-large-body = 您提交的内容超出了大小限制。请换用较小的文件，或分几次提交。
error-reference = 请求编号：{ $id }
error-reference-help = 如需就此问题联系我们，请提供该编号。
error-home-link = 返回首页
error-search-link = 搜索帮助

## Sign in

login-title = 登录
login-intro = 登录后即可查看请求进度、管理个人信息。
login-email-label = 电子邮箱
login-password-label = 密码
login-submit = 登录
login-error-invalid = 邮箱或密码不正确，请检查后重试。
login-error-missing = 请输入邮箱和密码。
login-error-locked = 登录尝试次数过多，请等待几分钟后再试。
login-demo-note = 演示账户会输出在服务器日志中，启动参数为

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

## Search
search-title = 搜索
search-results-title = “{ $query }”的搜索结果
search-results-count = 共 { $count } 条结果
search-empty-title = 没有找到与“{ $query }”相关的内容。
search-empty-body = 请换个说法或减少关键词，也可以从下面的常用服务开始。
search-suggestions-heading = 常用服务
search-kind-task = 服务
