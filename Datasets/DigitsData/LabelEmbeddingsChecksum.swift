// Written by Scripts/make_label_embeddings.py: the CRC-32 of Datasets/Embedded/label-embeddings.npz.
extension LabelEmbeddings {
    static let embeddedFileCRC32: UInt32 = 0x5458686E
    static let embeddedFileByteCount = 200698
}
