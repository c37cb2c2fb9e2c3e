import LintelCLI
import LintelPlugins

await LintelCommandLine.main(catalog: compiledPlugins)
