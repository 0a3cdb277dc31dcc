//! The plugin binary: the CLAP and VST3 entry points of [`lathe_channel::LatheChannel`].

nice_plug::nice_export_clap!(lathe_channel::LatheChannel);
nice_plug::nice_export_vst3!(lathe_channel::LatheChannel);
