/// The Kernel's own schema. (The migration ledger itself is created by `Migrator`.)
enum KernelMigrations {
    static let all: [Migration] = []
}
