# errors：本功能的消息。每个键必须在所有语言中都存在（有测试检查）。

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
