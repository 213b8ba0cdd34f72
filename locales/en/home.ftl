# home: messages of this feature. Every key must exist in every language (a test checks).

## Home
home-title = Home
home-search-label = How can we help?
home-search-hint = Describe what you need in a few words, for example “track my order” or “change my address”.
home-search-button = Search
home-tasks-heading = Popular tasks
home-tasks-empty = No tasks have been set up yet. Use the search above to find help.
home-requests-heading = Your open requests
home-requests-empty-title = You have no open requests
home-requests-empty-body = When you submit a request, it will appear here so you can follow its progress and reply.
