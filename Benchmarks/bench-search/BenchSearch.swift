import Evaluation

@main
struct BenchSearch {
    static func main() {
        print("bench-search: not implemented yet")
    }
}
