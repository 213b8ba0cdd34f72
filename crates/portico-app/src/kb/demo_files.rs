//! The demo help centre, written for Portico: categories and bilingual articles (Markdown with front matter).

/// Categories, as JSON.
pub const CATEGORIES: &str = include_str!("../../demo-kb/categories.json");

/// Articles, each a Markdown file with front matter.
pub const ARTICLES: &[(&str, &str)] = &[
    (
        "track-your-order.en.md",
        include_str!("../../demo-kb/track-your-order.en.md"),
    ),
    (
        "track-your-order.zh-CN.md",
        include_str!("../../demo-kb/track-your-order.zh-CN.md"),
    ),
    (
        "change-delivery-address.en.md",
        include_str!("../../demo-kb/change-delivery-address.en.md"),
    ),
    (
        "change-delivery-address.zh-CN.md",
        include_str!("../../demo-kb/change-delivery-address.zh-CN.md"),
    ),
    (
        "request-a-refund.en.md",
        include_str!("../../demo-kb/request-a-refund.en.md"),
    ),
    (
        "request-a-refund.zh-CN.md",
        include_str!("../../demo-kb/request-a-refund.zh-CN.md"),
    ),
    (
        "return-an-item.en.md",
        include_str!("../../demo-kb/return-an-item.en.md"),
    ),
    (
        "return-an-item.zh-CN.md",
        include_str!("../../demo-kb/return-an-item.zh-CN.md"),
    ),
    (
        "download-an-invoice.en.md",
        include_str!("../../demo-kb/download-an-invoice.en.md"),
    ),
    (
        "download-an-invoice.zh-CN.md",
        include_str!("../../demo-kb/download-an-invoice.zh-CN.md"),
    ),
    (
        "payment-methods.en.md",
        include_str!("../../demo-kb/payment-methods.en.md"),
    ),
    (
        "payment-methods.zh-CN.md",
        include_str!("../../demo-kb/payment-methods.zh-CN.md"),
    ),
    (
        "reset-your-password.en.md",
        include_str!("../../demo-kb/reset-your-password.en.md"),
    ),
    (
        "reset-your-password.zh-CN.md",
        include_str!("../../demo-kb/reset-your-password.zh-CN.md"),
    ),
    (
        "manage-signed-in-devices.en.md",
        include_str!("../../demo-kb/manage-signed-in-devices.en.md"),
    ),
    (
        "manage-signed-in-devices.zh-CN.md",
        include_str!("../../demo-kb/manage-signed-in-devices.zh-CN.md"),
    ),
];
