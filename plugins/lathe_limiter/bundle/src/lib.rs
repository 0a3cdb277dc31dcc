//! The plugin binary: the CLAP and VST3 entry points of [`lathe_limiter::LatheLimiter`].

nice_plug::nice_export_clap!(lathe_limiter::LatheLimiter);
nice_plug::nice_export_vst3!(lathe_limiter::LatheLimiter);
