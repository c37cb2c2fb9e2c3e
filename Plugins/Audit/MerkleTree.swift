import Crypto
import Foundation

/// RFC 6962 (§2.1) Merkle trees over a chain's entries, for signed checkpoints, inclusion proofs and
/// consistency proofs. A chain's leaves are its entries in sequence order; a leaf's input is the entry's
/// 32-byte `entry_hash`. Hashes: leaf `SHA-256(0x00 ‖ entry_hash)`, node `SHA-256(0x01 ‖ left ‖ right)`,
/// the empty tree `SHA-256("")`. Proofs are checked with RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
/// (consistency); `verifyInclusion` and `verifyConsistency` implement exactly those algorithms.
enum MerkleTree {
    typealias Hash = [UInt8]

    static func leafHash(_ entryHash: Hash) -> Hash { Array(SHA256.hash(data: [0x00] + entryHash)) }

    static func nodeHash(_ left: Hash, _ right: Hash) -> Hash { Array(SHA256.hash(data: [0x01] + left + right)) }

    static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    /// The largest power of two smaller than `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[n]) over leaf hashes.
    static func root(_ leaves: ArraySlice<Hash>) -> Hash {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves.first!
        default:
            let k = split(leaves.count)
            return nodeHash(root(leaves.prefix(k)), root(leaves.dropFirst(k)))
        }
    }

    /// PATH(m, D[n]): the audit path of leaf `index` (0-based) in the tree of `leaves`.
    static func inclusionProof(_ index: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        if index < k {
            return inclusionProof(index, leaves.prefix(k)) + [root(leaves.dropFirst(k))]
        }
        return inclusionProof(index - k, leaves.dropFirst(k)) + [root(leaves.prefix(k))]
    }

    /// PROOF(m, D[n]): that the tree of the first `m` leaves is a prefix of the tree of `leaves`.
    static func consistencyProof(_ m: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        guard m > 0, m < leaves.count else { return [] }
        return subproof(m, leaves, complete: true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<Hash>, complete: Bool) -> [Hash] {
        let n = leaves.count
        if m == n { return complete ? [] : [root(leaves)] }
        let k = split(n)
        if m <= k {
            return subproof(m, leaves.prefix(k), complete: complete) + [root(leaves.dropFirst(k))]
        }
        return subproof(m - k, leaves.dropFirst(k), complete: false) + [root(leaves.prefix(k))]
    }

    /// RFC 9162 §2.1.3.2.
    static func verifyInclusion(leaf: Hash, index: Int, treeSize: Int, proof: [Hash], root expected: Hash) -> Bool {
        guard index < treeSize else { return false }
        var fn = index
        var sn = treeSize - 1
        var r = leaf
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == expected
    }

    /// RFC 9162 §2.1.4.2.
    static func verifyConsistency(first: Int, second: Int, firstRoot: Hash, secondRoot: Hash, proof: [Hash]) -> Bool {
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        guard first > 0, first < second, !proof.isEmpty else { return first == 0 && proof.isEmpty }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == firstRoot && sr == secondRoot
    }
}
