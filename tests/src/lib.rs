//! Test helpers live in the `api` test binary (tests/api).
