import TensorCore

/// A method that generates images (a GAN). At the end of every training stage the trainer asks it
/// for picture rows made from fixed training images of both domains and hands them to
/// ``Trainer/stageEnded`` (the workflows write them as a PNG grid).
public protocol ImageGeneratingMethod: HashingMethod {
    /// Named rows of a picture, each `[n, C, H, W]` with values in [0, 1], made from `n` source and
    /// `n` target images (`[n, C, H, W]`, as the backbone takes them). Called in evaluation mode.
    func pictureRows(source: Tensor, target: Tensor) -> [PictureRow]
    /// Whether training compares generated images, in [0, 1], with input images (a reconstruction
    /// loss, a discriminator of real against generated images): the inputs must then stay in
    /// [0, 1] (no standardisation). The default is `false`.
    var comparesGeneratedWithInputs: Bool { get }
}

extension ImageGeneratingMethod {
    public var comparesGeneratedWithInputs: Bool { false }
}

/// One row of a generated picture: what it shows and the images.
public struct PictureRow {
    public var name: String
    /// **Shape**: `[n, C, H, W]`, values in [0, 1].
    public var images: Tensor

    public init(name: String, images: Tensor) {
        self.name = name
        self.images = images
    }
}

/// What the trainer hands ``Trainer/stageEnded``: the stage that ended and, for an
/// ``ImageGeneratingMethod`` trained on two domains, its picture rows.
public struct StageEnd {
    /// The stage's position among the trainer's stages (0-based) and its name.
    public var index: Int
    public var name: String
    /// The epoch it ended with (1-based).
    public var epoch: Int
    /// Empty unless the method generates images and both domains are present.
    public var pictureRows: [PictureRow]
}
