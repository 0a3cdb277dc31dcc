//! The plugin binary: the CLAP and VST3 entry points of [`lathe_meter::LatheMeter`].

nice_plug::nice_export_clap!(lathe_meter::LatheMeter);
nice_plug::nice_export_vst3!(lathe_meter::LatheMeter);
