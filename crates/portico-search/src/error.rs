use thiserror::Error;

#[derive(Debug, Error)]
pub enum SearchError {
    #[error("the search index is in use by another Portico process on this data directory")]
    Locked,
    #[error("cannot use the search index directory {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index state: {0}")]
    Payload(String),
    #[error("the documents for a rebuild could not be read: {0}")]
    Source(String),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;
