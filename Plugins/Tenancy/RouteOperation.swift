import Kernel

/// The Kernel's route documentation, under a name Foundation's `Operation` does not shadow (this file
/// does not import Foundation, so `Operation` here is the Kernel's).
typealias RouteOperation = Operation
