import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import DeskbookData

@Suite struct PrivacyPolicyTests {
    @Test func masksKeepWhatStaffNeedAndNothingMore() {
        #expect(MaskStyle.name.apply("王小明") == "王**")
        #expect(MaskStyle.name.apply("歐陽娜娜") == "歐***")
        #expect(MaskStyle.name.apply("Amy Chen") == "A** ****")
        #expect(MaskStyle.phone.apply("0912-345-678") == "0912***678")
        #expect(MaskStyle.phone.apply("0912345678") == "0912***678")
        #expect(MaskStyle.phone.apply("+886 912 345 678") == "+8869*****678")
        #expect(MaskStyle.phone.apply("2345-6789") == "23****89")
        #expect(MaskStyle.id.apply("A123456789") == "A12******9")
        #expect(MaskStyle.email.apply("amy.chen@example.com") == "a***@example.com")
        #expect(MaskStyle.address.apply("台北市信義區松仁路100號") == "台北市**********")
        #expect(MaskStyle.all.apply("anything") == "****")
        #expect(MaskStyle.name.apply("") == "")
    }

    @Test func columnsAreMatchedByNameCaseInsensitivelyAndByTheTableColumnTheyComeFrom() {
        let policy = PrivacyPolicy.standard
        #expect(policy.rule(column: "Phone", origin: nil)?.style == .phone)
        #expect(policy.rule(column: "客戶姓名", origin: nil)?.style == .name)
        #expect(policy.rule(column: "聯絡方式", origin: "customers.mobile")?.style == .phone)
        #expect(policy.rule(column: "name", origin: "customers.name")?.style == .name)
        #expect(policy.rule(column: "name", origin: "agents.name") == nil, "agents' names are not customer data")
        #expect(policy.rule(column: "amount", origin: "deals.amount") == nil)
    }

    @Test func aSiteAddsMasksAndTurnsDefaultsOff() {
        let policy = PrivacyPolicy(adding: [.init("會員編號", .id), .init("agents.name", .name)], removing: ["customer"])
        #expect(policy.rule(column: "會員編號", origin: nil)?.style == .id)
        #expect(policy.rule(column: "name", origin: "agents.name")?.style == .name)
        #expect(policy.rule(column: "customer", origin: nil) == nil)
        #expect(policy.rule(column: "phone", origin: nil) != nil, "other defaults stay")
    }

    @Test func aResultIsMaskedExceptWhatIsAllowed() {
        let result = QueryResult(columns: ["who", "phone", "amount"],
                                 rows: [[.text("王小明"), .integer(912_345_678), .real(3)], [.null, .text("0933-274-615"), .real(4)]],
                                 origins: ["customers.customer_name", "customers.phone", nil])
        let (masked, unmasked) = PrivacyPolicy.standard.apply(result)
        #expect(masked.rows[0] == [.text("王**"), .text("9123**678"), .real(3)])
        #expect(masked.rows[1] == [.null, .text("0933***615"), .real(4)])
        #expect(unmasked.isEmpty)
        let (allowed, shown) = PrivacyPolicy.standard.apply(result) { $0.contains("phone") }
        #expect(allowed.rows[1][1] == .text("0933-274-615"))
        #expect(allowed.rows[0][0] == .text("王**"))
        #expect(shown.count == 1)
    }

    @Test func aSnapshotNamesTheTableColumnBehindEveryAlias() throws {
        let site = try TestSite(["office.sql": """
            CREATE TABLE customers (customer_id TEXT, customer_name TEXT, phone TEXT);
            INSERT INTO customers VALUES ('K1', '王小明', '0912-345-678');
            CREATE VIEW contacts AS SELECT customer_id AS id, phone AS 聯絡方式 FROM customers;
            """])
        defer { site.remove() }
        let snapshot = try Snapshot(name: "office", path: site.root + "/office.sql", displayPath: "office.sql")
        let result = try snapshot.query("""
            SELECT c.customer_name AS 客人, v.聯絡方式 AS how, upper(c.customer_id) AS code
            FROM customers c JOIN (SELECT * FROM contacts) v ON v.id = c.customer_id
            """)
        #expect(result.origins == ["customers.customer_name", "customers.phone", nil])
        let masked = PrivacyPolicy.standard.apply(result).result
        #expect(masked.rows[0] == [.text("王**"), .text("0912***678"), .text("K1")])
    }

    @Test func cachedResultsKeepTheirOrigins() throws {
        let result = QueryResult(columns: ["x", "phone"], rows: [[.integer(1), .text("0912-345-678")]], origins: [nil, "customers.phone"])
        let decoded = try #require(ResultCoding.decode(ResultCoding.encode(result)))
        #expect(decoded.origins == [nil, "customers.phone"])
        #expect(PrivacyPolicy.standard.apply(decoded).result.rows[0][1] == .text("0912***678"))
    }
}
