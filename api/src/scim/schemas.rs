//! The schemas a SCIM user is made of (RFC 7643 §4.1, §4.3, and Calliyo's own extension).

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const CALLIYO_SCHEMA: &str = "urn:calliyo:params:scim:schemas:extension:2.0:User";
