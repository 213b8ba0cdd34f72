# search：本功能的消息。每个键必须在所有语言中都存在（有测试检查）。

## Search
search-title = 搜索
search-results-title = “{ $query }”的搜索结果
search-results-count = 共 { $count } 条结果
search-empty-title = 没有找到与“{ $query }”相关的内容。
search-empty-body = 请换个说法或减少关键词，也可以从下面的常用服务开始。
search-suggestions-heading = 常用服务
search-kind-task = 服务
search-kind-kb-article = 帮助文章
search-in-topic = 搜索范围
search-all-topics = 全部主题
search-everywhere = 改为在全部主题中搜索
search-write-article = 就此撰写一篇文章
search-popular-heading = 阅读最多的文章
search-kind-request-type = 申请
search-submit-request = 向我们提问：提交申请
