//! Lathe look and widgets (in progress).
