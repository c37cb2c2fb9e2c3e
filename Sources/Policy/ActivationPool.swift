import CEL
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One spare CEL activation per thread, so a check does not allocate its variable slots. A check is
/// synchronous, so an activation taken here is never shared: `take` removes it from the thread, `give`
/// puts one back (or drops it if the thread already has one).
enum ActivationPool {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        #if canImport(Darwin)
        pthread_key_create(&key) { Unmanaged<CELActivation>.fromOpaque($0).release() }
        #else
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<CELActivation>.fromOpaque(pointer).release() }
        }
        #endif
        return key
    }()

    static func take(slots: Int) -> CELActivation? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        pthread_setspecific(key, nil)
        let activation = Unmanaged<CELActivation>.fromOpaque(pointer).takeRetainedValue()
        return activation.slotCount == slots ? activation : nil
    }

    static func give(_ activation: CELActivation) {
        guard pthread_getspecific(key) == nil else { return }
        pthread_setspecific(key, Unmanaged.passRetained(activation).toOpaque())
    }
}
