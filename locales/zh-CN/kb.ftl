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
kb-feedback-question = 这篇文章对您有帮助吗？
kb-feedback-yes = 有帮助
kb-feedback-no = 没有帮助
kb-feedback-why = 很抱歉。问题出在哪里？
kb-feedback-reason = 这篇文章
kb-feedback-outdated = 内容已过时
kb-feedback-unclear = 不容易理解
kb-feedback-didnt-solve = 没有解决我的问题
kb-feedback-comment = 还有什么想告诉我们的吗？
kb-feedback-send = 提交
kb-feedback-thanks-title = 谢谢
kb-feedback-thanks = 您的反馈能帮助我们改进文章。
