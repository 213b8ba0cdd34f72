# kb: the help centre. Every key must exist in every language (a test checks).

kb-title = 帮助中心
kb-search-hint = 可用中文或英文搜索，例如“修改地址”或“refund”。
kb-categories = 主题
kb-empty = 目前还没有帮助文章。
kb-article-count = { $count ->
    [0] 暂无文章
   *[other] { $count } 篇文章
}
kb-recent = 最近更新
kb-breadcrumbs = 当前位置
kb-category-empty = 此主题下暂无文章。
kb-updated = 最后更新：{ $date }
kb-status-draft = 草稿：客户暂时看不到这篇文章。
kb-status-archived = 已归档：客户不再能看到这篇文章。
kb-toc = 本页目录
kb-related = 相关文章
footer-help-centre = 帮助中心
