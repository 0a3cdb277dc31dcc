//! The plugin binary: the CLAP and VST3 entry points of [`lathe_eq::LatheEq`].

nice_plug::nice_export_clap!(lathe_eq::LatheEq);
nice_plug::nice_export_vst3!(lathe_eq::LatheEq);
