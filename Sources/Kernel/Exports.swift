// Types of other Lintel modules that appear in the Kernel's public API, so plugins need only `import Kernel`.
@_exported import struct CEL.IPAddress
@_exported import struct CEL.IPAddressRange
