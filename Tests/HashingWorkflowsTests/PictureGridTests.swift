import HashingCore
import HashingWorkflows
import TensorCore
import Testing

@Suite("Picture grids")
struct PictureGridTests {
    @Test func rowsOfImagesAreTiledWithPaddingAndClampedToBytes() throws {
        // Two rows of two 1×2×2 images; padding 1 → (2·2 + 3) × (2·2 + 3) pixels.
        let first = Tensor(shape: [2, 1, 2, 2], scalars: [0, 1, 0.5, 1.5, -1, 0.2, 0.4, 0.6])
        let second = Tensor(shape: [2, 1, 2, 2], scalars: [Float](repeating: 0, count: 8))
        let grid = try pictureGrid([PictureRow(name: "a", images: first), PictureRow(name: "b", images: second)], padding: 1)
        #expect(grid.width == 7 && grid.height == 7 && grid.channels == 1)
        let rows = (0..<7).map { y in Array(grid.pixels[(y * 7)..<(y * 7 + 7)]) }
        #expect(rows[0] == [255, 255, 255, 255, 255, 255, 255])
        #expect(rows[1] == [255, 0, 255, 255, 0, 51, 255])
        #expect(rows[2] == [255, 128, 255, 255, 102, 153, 255])
        #expect(rows[4] == [255, 0, 0, 255, 0, 0, 255])
    }

    @Test func mismatchedOrUnsupportedRowsAreOneClearError() {
        let gray = PictureRow(name: "gray", images: Tensor(shape: [1, 1, 2, 2], scalars: [0, 0, 0, 0]))
        let other = PictureRow(name: "other", images: Tensor(shape: [1, 1, 3, 3], scalars: [Float](repeating: 0, count: 9)))
        let twoChannels = PictureRow(name: "two", images: Tensor(shape: [1, 2, 2, 2], scalars: [Float](repeating: 0, count: 8)))
        #expect(throws: WorkflowError.self) { try pictureGrid([gray, other]) }
        #expect(throws: WorkflowError.self) { try pictureGrid([twoChannels]) }
        #expect(throws: WorkflowError.self) { try pictureGrid([]) }
    }
}
