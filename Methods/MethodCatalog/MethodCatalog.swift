import Backbones
import ClasswiseHashing
import HashingCore
import IntersectantGAN
import SSDH
import SemanticHash

/// The one place that lists every built-in method. A new method is a new target under
/// Methods/ with a `registration`, added here.
public enum MethodCatalog {
    public static let registrations: [MethodRegistration] = [
        SSDHMethod.registration,
        DCWHMethod.registration,
        IDCWHMethod.registration,
        SemanticHashMethod.registration,
        DAHMethod.registration,
        IntersectantGANMethod.registration,
        ComposedMethod.registration(components: StandardComponents.registry()),
    ]

    /// The registry of built-in methods.
    public static func registry() -> MethodRegistry {
        // Names are distinct by construction; a duplicate is a programming error caught by tests.
        try! MethodRegistry(registrations)
    }

    /// The registry of the standard hash layers, losses and domain adapters.
    public static func components() -> ComponentRegistry { StandardComponents.registry() }

    /// The registry of built-in backbones.
    public static func backbones() -> BackboneRegistry { BackboneCatalog.registry() }
}
