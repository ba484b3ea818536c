//! image_check: Alibaba Cloud's image compliance checks, run over SSH against a fleet.
//!
//! Data flows one way: `inventory` (who) → `transport` (how to reach) → `facts` (what is
//! there) → `checks` (is it OK) → `report` (tell people). `scan` ties them together. A
//! `capture` records what the transport answered, so the facts can be parsed again later.

pub mod capture;
pub mod checks;
pub mod commands;
pub mod facts;
pub mod image;
pub mod inventory;
pub mod journal;
pub mod local_file;
pub mod report;
pub mod run;
pub mod scan;
pub mod shard;
pub mod transport;
