//! Demo content written for Portico: a bilingual service organisation, a customer company, and users of
//! every role with known passwords. Loading is idempotent: what exists is left alone, so restarting with
//! `--demo` never duplicates or resets anything.

use portico_core::{Email, Locale, Localized, Role};
use portico_storage::{organizations, settings, users};

use crate::identity::{AddUser, add_user};
use crate::portal::{BRANDING_KEY, Branding, HOME_TASKS_KEY, HomeTask};
use crate::{App, AppError};

/// A demo account, printed at start so people can sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub email: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub locale: Locale,
}

pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        email: "admin@demo.example.com",
        password: "demo-admin-2026",
        name: "Avery Morgan",
        role: Role::Admin,
        locale: Locale::En,
    },
    DemoUser {
        email: "wang.fang@demo.example.com",
        password: "demo-admin-2026",
        name: "王芳",
        role: Role::Admin,
        locale: Locale::ZhCn,
    },
    DemoUser {
        email: "agent.li@demo.example.com",
        password: "demo-agent-2026",
        name: "李娜",
        role: Role::Agent,
        locale: Locale::ZhCn,
    },
    DemoUser {
        email: "agent.sam@demo.example.com",
        password: "demo-agent-2026",
        name: "Sam Patel",
        role: Role::Agent,
        locale: Locale::En,
    },
    DemoUser {
        email: "chen.wei@demo.example.com",
        password: "demo-customer-2026",
        name: "陈伟",
        role: Role::Customer,
        locale: Locale::ZhCn,
    },
    DemoUser {
        email: "emma.jones@demo.example.com",
        password: "demo-customer-2026",
        name: "Emma Jones",
        role: Role::Customer,
        locale: Locale::En,
    },
];

/// The demo customer company's e-mail domain: sign-ups with it join the company.
pub const DEMO_ORG_DOMAIN: &str = "acme.example";

/// What loading did, for the start-up banner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub users_created: usize,
    pub users_present: usize,
    /// Help-centre articles added by this load.
    pub articles_created: usize,
}

fn demo_tasks() -> Vec<HomeTask> {
    let t = |href: &str, icon: &str, en: (&str, &str), zh: (&str, &str)| HomeTask {
        href: href.into(),
        icon: icon.into(),
        title: Localized::new(en.0, zh.0),
        description: Localized::new(en.1, zh.1),
    };
    vec![
        t(
            "/records/orders",
            "package",
            (
                "Track my order",
                "See where your parcel is and when it arrives.",
            ),
            ("查询订单", "查看包裹位置和预计送达时间。"),
        ),
        t(
            "/requests/new/refund",
            "refund",
            (
                "Request a refund",
                "Return an item or get money back for a cancelled order.",
            ),
            ("申请退款", "退货，或为已取消的订单申请退款。"),
        ),
        t(
            "/account/profile",
            "user",
            (
                "Change my details",
                "Update your address, phone number or language.",
            ),
            ("修改个人信息", "更新地址、电话或语言偏好。"),
        ),
        t(
            "/booking",
            "calendar",
            (
                "Book an appointment",
                "Pick a time to meet an adviser in a branch or by video.",
            ),
            ("预约服务", "选择时间，到网点或通过视频与顾问面谈。"),
        ),
        t(
            "/assistant",
            "chat",
            (
                "Ask the assistant",
                "Get an answer from our help articles in seconds.",
            ),
            ("咨询智能助手", "几秒钟内从帮助文章中找到答案。"),
        ),
        t(
            "/kb",
            "question",
            (
                "Browse help articles",
                "Guides for accounts, payments, delivery and more.",
            ),
            ("浏览帮助文章", "账户、支付、配送等常见问题指南。"),
        ),
    ]
}

/// Loads the demo content; safe to run on every start and from several nodes at once.
pub async fn load_demo(app: &App) -> Result<DemoReport, AppError> {
    let now = app.now();
    let conn = app.db().conn();
    let branding = Branding {
        name: Localized::new("Northwind Services", "北风服务中心"),
    };
    let branding = serde_json::to_value(&branding).map_err(|e| AppError::Internal(e.into()))?;
    let tasks = serde_json::to_value(demo_tasks()).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = app.begin().await?;
    settings::insert_setting_if_absent(tx.conn(), BRANDING_KEY, &branding, now).await?;
    if settings::insert_setting_if_absent(tx.conn(), HOME_TASKS_KEY, &tasks, now).await? {
        crate::portal::tasks_changed(&mut tx).await?;
    }
    tx.commit().await?;
    crate::portal::invalidate(app);

    let org = organizations::ensure_organization(
        conn,
        "acme-trading",
        "Acme Trading Ltd",
        &serde_json::json!({"zh-CN": "艾克米贸易有限公司"}),
        now,
    )
    .await?;

    let mut report = DemoReport::default();
    for d in DEMO_USERS {
        let email = Email::parse("email", d.email).map_err(portico_core::ValidationErrors::from)?;
        let user_id = match users::find_user_by_email(conn, &email).await? {
            Some(u) => {
                report.users_present += 1;
                u.id
            }
            None => match add_user(
                app,
                AddUser {
                    email: d.email,
                    name: d.name,
                    role: d.role,
                    locale: d.locale,
                    password: d.password,
                },
            )
            .await
            {
                Ok(u) => {
                    report.users_created += 1;
                    u.id
                }
                // Another node created it between our check and insert.
                Err(AppError::Conflict { .. }) => {
                    report.users_present += 1;
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        if d.role == Role::Customer {
            // Emma manages Acme's people on the portal and sees all of Acme's requests.
            let manager = d.email.starts_with("emma");
            organizations::add_member(conn, org.id, user_id, manager, manager, now).await?;
        }
    }
    // New sign-ups from Acme's own domain join Acme.
    if organizations::list_domains(conn, org.id).await?.is_empty()
        && organizations::find_organization_by_domain(conn, DEMO_ORG_DOMAIN)
            .await?
            .is_none()
    {
        organizations::set_domains(conn, org.id, &[DEMO_ORG_DOMAIN.to_string()], now).await?;
    }
    report.articles_created = crate::kb::import::load_demo(app).await?.created;
    crate::requests::demo::load_types(app).await?;
    crate::requests::demo::load_requests(app).await?;
    Ok(report)
}
