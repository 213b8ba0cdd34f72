# home：本功能的消息。每个键必须在所有语言中都存在（有测试检查）。

## Home
home-title = 首页
home-search-label = 有什么可以帮您？
home-search-hint = 用几个词描述您的需求，例如“查询订单”或“修改地址”。
home-search-button = 搜索
home-tasks-heading = 常用服务
home-tasks-empty = 暂未设置常用服务，请使用上方的搜索框查找帮助。
home-requests-heading = 进行中的申请
home-requests-empty-title = 您目前没有进行中的申请
home-requests-empty-body = 您提交申请后，会显示在这里，方便您随时查看进度并回复。
