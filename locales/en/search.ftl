# search: messages of this feature. Every key must exist in every language (a test checks).

## Search
search-title = Search
search-results-title = Results for “{ $query }”
search-results-count = { $count ->
    [one] 1 result
   *[other] { $count } results
}
search-empty-title = Nothing matched “{ $query }”.
search-empty-body = Try fewer or different words, or start from one of the tasks below.
search-suggestions-heading = Popular tasks
search-kind-task = Task
search-kind-kb-article = Help article
search-in-topic = Search in
search-all-topics = All topics
search-everywhere = Search all topics instead
search-write-article = Write an article about this
search-popular-heading = Most read articles
search-kind-request-type = Request
search-submit-request = Ask us: make a request
