import Audit
import Auth
import Kernel
import Tenancy

/// The one static list of plugins compiled into this binary. A plugin runs only when `site.conf`
/// enables it with a `plugin <id> { … }` block.
public let compiledPlugins = PluginCatalog([TenancyPlugin.self, LocalAuthPlugin.self, KeycloakPlugin.self, AuditPlugin.self])
