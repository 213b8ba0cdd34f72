//! An S3-compatible server for the object-store tests: moto's standalone server (PyPI `moto[server]`),
//! which speaks the S3 wire protocol. `scripts/test` installs it into `target/s3-test/` and names it in
//! `PORTICO_TEST_S3_SERVER`; without it the tests skip (and fail under `CI=true`).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server with one empty bucket; stopped on drop.
pub struct S3Server {
    child: Child,
    pub port: u16,
    pub bucket: String,
}

impl S3Server {
    /// Starts a server and makes `bucket`, or reports a skip (see [`crate::skip`]) and returns None.
    pub async fn start(bucket: &str) -> Option<S3Server> {
        let Some(program) =
            std::env::var_os("PORTICO_TEST_S3_SERVER").filter(|p| std::path::Path::new(p).exists())
        else {
            crate::skip("an S3-compatible server (PORTICO_TEST_S3_SERVER)");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the S3 server");
        let server = S3Server {
            child,
            port,
            bucket: bucket.to_string(),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match client.put(server.url(bucket)).send().await {
                Ok(r) if r.status().is_success() => break,
                _ if Instant::now() > deadline => panic!("the S3 server did not start"),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        Some(server)
    }

    /// The server's address (for `files.s3_endpoint`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The address of `path` on the server (path-style: `bucket/key`).
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.endpoint(), path.trim_start_matches('/'))
    }

    /// The settings that point a Portico node at this server's bucket.
    pub fn settings(&self) -> Vec<(String, String)> {
        [
            ("files__store", "s3".to_string()),
            ("files__s3_bucket", self.bucket.clone()),
            ("files__s3_endpoint", self.endpoint()),
            ("files__s3_allow_http", "true".into()),
            ("files__s3_access_key_id", "portico-test".into()),
            ("files__s3_secret_access_key", "portico-test-secret".into()),
            ("files__s3_prefix", "tests/".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// The bytes stored under `key`, or None when there is no such object (read with the same keys
    /// the node uses: the server refuses anonymous reads, as a private bucket should).
    pub async fn object(&self, key: &str) -> Option<Vec<u8>> {
        use object_store::ObjectStore;
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&self.bucket)
            .with_region("us-east-1")
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_access_key_id("portico-test")
            .with_secret_access_key("portico-test-secret")
            .build()
            .expect("an S3 client");
        match store.get(&object_store::path::Path::from(key)).await {
            Ok(got) => Some(got.bytes().await.expect("object bytes").to_vec()),
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => panic!("reading {key}: {e}"),
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
