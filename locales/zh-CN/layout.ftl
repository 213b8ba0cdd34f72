# layout：本功能的消息。每个键必须在所有语言中都存在（有测试检查）。

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
