import FixturePlugins
import Kernel
import LintelCLI

// The lintel command line with test fixture plugins compiled in, for tests that run real processes.
await LintelCommandLine.main(catalog: PluginCatalog([FixtureJobsPlugin.self]))
