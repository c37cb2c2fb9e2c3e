import LintelCLI

await LintelCommandLine.main(catalog: compiledPlugins)
