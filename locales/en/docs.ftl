# docs: messages of this feature. Every key must exist in every language (a test checks).

## API documentation
api-docs-title = API documentation
api-docs-version = Version { $version }
api-docs-intro = This reference is generated from the OpenAPI document, so it always matches the running server.
api-docs-openapi-link = Download the OpenAPI document (JSON)
api-docs-contents = Operations
api-docs-tags = Tags
api-docs-responses = Responses
api-docs-status = Status
api-docs-description = Description
api-docs-empty = No operations are documented yet.
api-docs-back = Back to the list of operations
