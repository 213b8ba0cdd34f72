# identity：本功能的消息。每个键必须在所有语言中都存在（有测试检查）。

## Sign in
login-title = 登录
login-intro = 登录后即可查看申请进度、管理个人信息。
login-email-label = 电子邮箱
login-password-label = 密码
login-submit = 登录
login-error-invalid = 邮箱或密码不正确，请检查后重试。
login-error-missing = 请输入邮箱和密码。
login-error-locked-seconds = 此地址的登录尝试次数过多，请等待 { $count } 秒后再试。
login-error-locked-minutes = 此地址的登录尝试次数过多，请等待 { $count } 分钟后再试。如果忘记了密码，请联系我们重置。
login-demo-note = 演示账户会输出在服务器日志中，启动参数为
login-error-second-factor = 此账户需要第二步验证，但本门户尚未启用该验证方式。请联系支持人员。
