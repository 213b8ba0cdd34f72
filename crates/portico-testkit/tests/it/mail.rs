//! Mail goes out through jobs: a real SMTP round trip to the test kit's SMTP server, `.eml` files when
//! no server is configured, and retries when the server is down.

use std::time::Duration;

use portico_app::mail::OutgoingMail;
use portico_storage::jobs as store;
use portico_testkit::smtp::SmtpSink;
use portico_testkit::{DbKind, TestApp, TestOptions, both, portico_app, portico_storage};

fn welcome() -> OutgoingMail {
    OutgoingMail {
        to: "chen.wei@demo.example.com".into(),
        to_name: Some("陈伟".into()),
        subject: "您的申请已收到".into(),
        text: "您好，我们已收到您的申请。".into(),
        html: Some("<p>您好，我们已收到您的申请。</p>".into()),
    }
}

async fn job_state(app: &TestApp, id: i64, want: &str) -> store::JobState {
    for _ in 0..400 {
        let s = store::find_job_state(app.store().conn(), id)
            .await
            .unwrap()
            .unwrap();
        if s.status == want {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {id} never became {want}");
}

async fn mail_is_delivered_over_smtp_once_committed(kind: DbKind) {
    let sink = SmtpSink::start().await;
    let opts = TestOptions {
        settings: vec![
            ("smtp_url".into(), sink.url()),
            (
                "mail_from".into(),
                "Northwind Services <help@demo.example.com>".into(),
            ),
        ],
        ..Default::default()
    };
    let Some(app) = TestApp::start_with(kind, opts).await else {
        return;
    };
    let mut tx = app.app.begin().await.unwrap();
    let id = tx
        .enqueue(&welcome().job(tx.now(), Some("mail:welcome:1".into())))
        .await
        .unwrap()
        .unwrap();
    // Enqueued twice under the same key: still one mail.
    assert!(
        tx.enqueue(&welcome().job(tx.now(), Some("mail:welcome:1".into())))
            .await
            .unwrap()
            .is_none()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        sink.received().is_empty(),
        "nothing leaves before the commit"
    );
    tx.commit().await.unwrap();

    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.from, "help@demo.example.com");
    assert_eq!(m.to, vec!["chen.wei@demo.example.com".to_string()]);
    assert!(m.raw.contains("multipart/alternative"), "{}", m.raw);
    assert!(
        m.raw.contains("Subject: =?utf-8?"),
        "non-ASCII subject is encoded"
    );
    assert!(
        m.raw
            .contains(&format!("Message-ID: <portico-{id}@demo.example.com>")),
        "{}",
        m.raw
    );
    job_state(&app, id, "done").await;
    app.stop().await;
}

async fn without_smtp_mail_is_written_to_files(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let id = portico_app::jobs::enqueue(&app.app, welcome().job(app.app.now(), None))
        .await
        .unwrap()
        .unwrap();
    job_state(&app, id, "done").await;
    let path = app.db.dir.path().join("mail").join(format!("{id:012}.eml"));
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(
        raw.contains("To: =?utf-8?") && raw.contains("chen.wei@demo.example.com"),
        "{raw}"
    );
    // Mails hold sign-in and reset links: owner-only, like the database.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    app.stop().await;
}

async fn an_unreachable_mail_server_means_retry_later(kind: DbKind) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let opts = TestOptions {
        settings: vec![("smtp_url".into(), format!("smtp://{closed}"))],
        ..Default::default()
    };
    let Some(app) = TestApp::start_with(kind, opts).await else {
        return;
    };
    let id = portico_app::jobs::enqueue(&app.app, welcome().job(app.app.now(), None))
        .await
        .unwrap()
        .unwrap();
    let mut state = None;
    for _ in 0..400 {
        let s = store::find_job_state(app.store().conn(), id)
            .await
            .unwrap()
            .unwrap();
        if s.status == "queued" && s.attempts == 1 {
            state = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let s = state.expect("the attempt failed and the job waits for a retry");
    assert!(s.last_error.is_some());
    assert!(
        s.run_at.millis() > app.app.now().millis(),
        "retry scheduled in the future"
    );
    app.stop().await;
}

both!(
    mail_is_delivered_over_smtp_once_committed,
    without_smtp_mail_is_written_to_files,
    an_unreachable_mail_server_means_retry_later
);
