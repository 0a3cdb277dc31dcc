//! Shared host plumbing for the conformance tests.
