//! Integration tests: the real `instabake` binary driven against a fake Graph API and media host.
