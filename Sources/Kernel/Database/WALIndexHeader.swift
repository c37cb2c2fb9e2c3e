import Synchronization
import VaporCSQLite

/// The header of a WAL database's wal-index: the 48 bytes at the start of the `-shm` file that every
/// connection, in every process, reads to learn the newest commit, and that every commit rewrites (its
/// change counter, last frame and checksums; a restarted WAL also gets new salts). Two equal readings mean
/// nothing was committed between them. The layout is SQLite's documented file format
/// (<https://sqlite.org/walformat.html>, "The WAL-Index Header").
///
/// A reader compares it to decide whether a read snapshot it still holds is the newest one.
struct WALIndexHeader: Equatable {
    private let words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    /// How many frames the WAL holds (`mxFrame`): the pages committed since it last started over.
    let frames: UInt32

    static func == (a: WALIndexHeader, b: WALIndexHeader) -> Bool {
        a.words == b.words
    }

    /// The header as the connection's shared memory holds it now, or nil when the connection is not in WAL
    /// mode (its journal file is then not a write-ahead log, and there is no shared wal-index to read).
    ///
    /// A query-only connection never opens a rollback journal, so an open journal file is its WAL. Asking
    /// for wal-index page 0 without extending it is a lookup while the WAL is open (SQLite's own first read
    /// maps it the same way); the pointer is asked for each time rather than kept, so a WAL closed and
    /// reopened (another process switching the journal mode) never leaves a stale mapping behind.
    static func current(_ handle: OpaquePointer) -> WALIndexHeader? {
        var journal: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite_nio_sqlite3_file_control(handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &journal) == SQLITE_OK,
              journal?.pointee.pMethods != nil else { return nil }
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite_nio_sqlite3_file_control(handle, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK, let file,
              let methods = file.pointee.pMethods, methods.pointee.iVersion >= 2, let map = methods.pointee.xShmMap else { return nil }
        var region: UnsafeMutableRawPointer?
        guard map(file, 0, 32 * 1024, 0, &region) == SQLITE_OK, let region else { return nil }
        // The writer stores the header's second copy, then a barrier, then this first copy: a reading that
        // equals an earlier one was taken before the next commit finished publishing.
        atomicMemoryFence(ordering: .acquiring)
        let bytes = UnsafeRawPointer(region)
        return WALIndexHeader(words: (bytes.load(fromByteOffset: 0, as: UInt64.self), bytes.load(fromByteOffset: 8, as: UInt64.self),
                                      bytes.load(fromByteOffset: 16, as: UInt64.self), bytes.load(fromByteOffset: 24, as: UInt64.self),
                                      bytes.load(fromByteOffset: 32, as: UInt64.self), bytes.load(fromByteOffset: 40, as: UInt64.self)),
                              frames: bytes.load(fromByteOffset: 16, as: UInt32.self))
    }
}
