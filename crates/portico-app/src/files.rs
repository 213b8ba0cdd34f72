//! Where the bytes of uploaded files live. By default in the database, beside their description: every
//! node serves them and a backup of the database holds them. As an option, in an S3-compatible object
//! store (AWS S3, MinIO, Ceph, Cloudflare R2, …), which keeps large attachments out of the database;
//! the database then holds each file's description and its object key, and the store must be backed
//! up on its own.
//!
//! An object is written before the row that names it commits, so a row never names a missing object;
//! a crash in between leaves an object that nothing names (harmless, and removable by a bucket
//! lifecycle rule on the prefix). Objects are removed after the rows that named them.

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path;
use rand::RngCore;

use crate::AppError;

/// How to reach an S3-compatible store.
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    pub bucket: String,
    /// e.g. `us-east-1`.
    pub region: String,
    /// For stores other than AWS, e.g. `https://minio.example.com:9000` (path-style addresses).
    pub endpoint: Option<String>,
    /// Prepended to every key, e.g. `portico/`.
    pub prefix: String,
    /// Keys; when absent, the usual `AWS_*` environment variables and instance credentials apply.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow an `http://` endpoint (a store on a private network).
    pub allow_http: bool,
}

/// Where file bytes are kept (see the module docs).
#[derive(Debug, Clone, Default)]
pub enum FileStore {
    /// In the database row of the file.
    #[default]
    Database,
    /// In an object store, under `prefix`.
    Objects {
        store: Arc<dyn ObjectStore>,
        prefix: String,
    },
}

impl FileStore {
    /// An S3-compatible store; the error names the setting that is wrong.
    pub fn s3(o: &S3Options) -> Result<FileStore, String> {
        if o.bucket.trim().is_empty() {
            return Err("files.s3_bucket: name the bucket".into());
        }
        let mut b = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(o.bucket.trim())
            .with_region(if o.region.trim().is_empty() {
                "us-east-1"
            } else {
                o.region.trim()
            })
            // A store that does not answer must fail an upload in seconds, not after object_store's
            // default of ten retries over three minutes.
            .with_retry(object_store::RetryConfig {
                backoff: object_store::BackoffConfig::default(),
                max_retries: 2,
                retry_timeout: std::time::Duration::from_secs(10),
            })
            .with_client_options(
                // These options replace the builder's own, so plain http is allowed here.
                object_store::ClientOptions::new()
                    .with_allow_http(o.allow_http)
                    .with_connect_timeout(std::time::Duration::from_secs(5))
                    .with_timeout(std::time::Duration::from_secs(60)),
            );
        if let Some(e) = o
            .endpoint
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            if !(e.starts_with("https://") || e.starts_with("http://")) {
                return Err(format!(
                    "files.s3_endpoint: `{e}` is not an address such as https://minio.example.com"
                ));
            }
            if e.starts_with("http://") && !o.allow_http {
                return Err(
                    "files.s3_endpoint: plain http needs files.s3_allow_http = true".into(),
                );
            }
            b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
        }
        if let Some(k) = &o.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(s) = &o.secret_access_key {
            b = b.with_secret_access_key(s);
        }
        let store = b.build().map_err(|e| format!("files: {e}"))?;
        Ok(FileStore::Objects {
            store: Arc::new(store),
            prefix: o.prefix.trim().trim_start_matches('/').to_string(),
        })
    }

    /// Keeps `bytes` under a new key in the object store and returns the key; `None` for the database
    /// store, where the caller writes the bytes into the row.
    pub async fn put(&self, kind: &str, bytes: &[u8]) -> Result<Option<String>, AppError> {
        let FileStore::Objects { store, prefix } = self else {
            return Ok(None);
        };
        let mut id = [0u8; 16];
        rand::rng().fill_bytes(&mut id);
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let key = format!("{prefix}{kind}/{hex}");
        store
            .put(&Path::from(key.as_str()), bytes.to_vec().into())
            .await
            .map_err(|e| unavailable("could not store the file", &e))?;
        Ok(Some(key))
    }

    /// The bytes kept under `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, AppError> {
        let FileStore::Objects { store, .. } = self else {
            tracing::error!(
                key,
                "a file is in an object store, but files.store is not s3"
            );
            return Err(AppError::Unavailable(
                "this file is kept in an object store that this node is not configured for".into(),
            ));
        };
        let got = store
            .get(&Path::from(key))
            .await
            .map_err(|e| unavailable("could not read the file", &e))?;
        let bytes = got
            .bytes()
            .await
            .map_err(|e| unavailable("could not read the file", &e))?;
        Ok(bytes.to_vec())
    }

    /// Removes the objects under `keys` (best effort: a key that cannot be removed is logged).
    pub async fn delete(&self, keys: &[String]) {
        let FileStore::Objects { store, .. } = self else {
            return;
        };
        for key in keys {
            match store.delete(&Path::from(key.as_str())).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => tracing::warn!(key, error = %e, "could not remove a stored file"),
            }
        }
    }
}

fn unavailable(what: &str, e: &object_store::Error) -> AppError {
    tracing::error!(error = %e, "{what}");
    AppError::Unavailable(format!("{what}: the file store did not answer"))
}
