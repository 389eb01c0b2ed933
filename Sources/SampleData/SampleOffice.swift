import DeskbookSupport

/// Writes the example snapshot: 18 months of a property sales office with 40 agents in 5
/// teams — targets, visits and leads, deals, inquiries, complaints, training, receipts and
/// budget. Deterministic: the same seed and dates give the same rows. Customer names, phone
/// and ID numbers are in it on purpose, so that privacy rules can be tested against them.
public struct SampleOffice {
    public var seed: UInt64 = 20_261_125
    /// The last day with data; the 18 months end in its month.
    public var asOf = CalendarDate(year: 2026, month: 11, day: 25)
    /// When the export ran, stored as `_meta.snapshot_at` (defaults to `asOf` 06:00).
    public var snapshotAt: CalendarDate?
    /// Total deals over the 18 months; nil for the office's natural pace (about 1,100).
    public var deals: Int?

    public init() {}

    static let teams = [("T1", "松柏組"), ("T2", "楓林組"), ("T3", "竹風組"), ("T4", "梅香組"), ("T5", "蘭心組")]
    static let surnames = Array("陳林黃張李王吳劉蔡楊許鄭謝郭洪邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余盧梁趙顏柯翁魏孫戴范方宋鄧")
    static let givenFirst = Array("怡志淑俊雅家建宗美文明冠佳承嘉信宇欣子思柏孟昱郁婉品彥哲育")
    static let givenSecond = Array("君婷豪翔華芳玲傑瑋萍慧琪安廷軒瑜涵恩妤宏民誠偉鈞蓉")
    static let visitSources = ["自然來客", "網路廣告", "親友介紹", "電話邀約", "社群媒體", "戶外看板"]
    static let inquiryChannels = ["服務專線", "LINE", "Email", "現場"]
    static let inquiryTopics = ["價格", "貸款", "付款", "交屋", "車位", "公設", "合約"]
    static let complaintChannels = ["服務專線", "現場", "Email", "LINE", "網路評論"]
    static let complaintCategories = ["施工品質", "交屋進度", "服務態度", "合約爭議", "公設管理", "漏水滲水"]
    static let courses: [(String, String, String, Double, Bool)] = [
        ("C01", "新進置業顧問養成", "業務部 陳冠宇", 6, true),
        ("C02", "來客接待與回訪", "業務部 林怡君", 3, true),
        ("C03", "房貸與付款實務", "財務部 黃建豪", 3, true),
        ("C04", "簽約流程與定金規範", "業務部 周怡君", 3, true),
        ("C05", "客訴處理與服務補救", "客服部 林雅婷", 3, true),
        ("C06", "客戶個資保護", "行政部 吳家瑋", 2, true),
        ("C07", "交屋驗屋實務", "工務部 張志明", 4, false),
    ]
    static let costItems: [(String, Double)] = [("廣告媒體", 1_800_000), ("活動費用", 600_000), ("實品屋維護", 250_000),
                                                ("人事費用", 3_200_000), ("交通差旅", 120_000), ("行政雜支", 90_000)]

    /// Writes the snapshot to `path`, replacing any file there.
    public func write(to path: String) throws {
        FileSystem.removeTree(path)
        try FileSystem.makeDirectories(FileSystem.parentPath(path))
        let db = try SQLiteWriter(path: path)
        try db.execute(Self.schema)
        try db.execute("BEGIN")
        var random = SplitMix64(seed: seed)
        let months = (0..<18).map { offset -> (year: Int, month: Int) in
            let index = asOf.year * 12 + asOf.month - 1 - (17 - offset)
            return (index / 12, index % 12 + 1)
        }
        let taken = snapshotAt ?? CalendarDate(year: asOf.year, month: asOf.month, day: asOf.day, hour: 6, minute: 0,
                                               utcOffsetMinutes: 480, hasTime: true)
        try db.insert("_meta", [.text("snapshot_at"), .text(taken.rfc3339)])
        try db.insert("_meta", [.text("office"), .text("河岸晴苑 接待中心")])
        try db.insert("_meta", [.text("as_of"), .text(asOf.isoDay)])

        // Teams and agents: 8 per team, each with a steady skill that shapes their results.
        var agents: [(id: String, name: String, team: String, skill: Double)] = []
        var usedNames: Set<String> = []
        for (teamIndex, team) in Self.teams.enumerated() {
            for member in 0..<8 {
                var name: String
                repeat { name = personName(&random) } while !usedNames.insert(name).inserted
                let id = "A" + zeroPadded(teamIndex * 8 + member + 1, 2)
                let skill = 0.55 + random.unit() * 1.05
                agents.append((id, name, team.0, skill))
                let hired = CalendarDate(year: 2019 + random.below(7), month: 1 + random.below(12), day: 1 + random.below(28))
                try db.insert("agents", [.text(id), .text(name), .text(team.0), .text(hired.isoDay), .int(1)])
            }
            try db.insert("teams", [.text(team.0), .text(team.1), .text(agents[teamIndex * 8].name)])
        }

        let naturalDeals = 1.6
        let dealRate = deals.map { Double($0) / Double(agents.count * months.count) / 0.9 } ?? naturalDeals
        var dealNumber = 0, customerNumber = 0, receiptNumber = 0
        for (monthIndex, period) in months.enumerated() {
            let monthKey = "\(period.year)-\(pad(period.month))"
            let quarterKey = "\(period.year)-Q\((period.month - 1) / 3 + 1)"
            let days = period.year == asOf.year && period.month == asOf.month ? asOf.day
                : CalendarDate.daysInMonth(year: period.year, month: period.month)
            let season = 1 + 0.25 * sine(Double(monthIndex) / 3)
            var teamTargets: [String: (Double, Int)] = [:]
            for agent in agents {
                // Targets: each agent's monthly amount and units; teams add theirs up.
                let unitsTarget = max(1, Int((naturalDeals * 1.1 * (0.7 + agent.skill * 0.4)).rounded()))
                let amountTarget = Double(unitsTarget) * 26_000_000
                try db.insert("agent_targets", [.text(monthKey), .text(quarterKey), .text(agent.id), .real(amountTarget),
                                                .real(Double(unitsTarget) * 95), .int(unitsTarget)])
                let sum = teamTargets[agent.team] ?? (0, 0)
                teamTargets[agent.team] = (sum.0 + amountTarget, sum.1 + unitsTarget)

                // Visits and leads.
                let visitCount = Int(Double(18 + random.below(16)) * season * Double(days) / 30)
                for _ in 0..<visitCount {
                    customerNumber += 1
                    let customer = try newCustomer(db, &random, number: customerNumber)
                    let day = CalendarDate(year: period.year, month: period.month, day: 1 + random.below(days))
                    let source = Self.visitSources[random.weighted([30, 25, 15, 12, 12, 6])]
                    let followed = random.unit() < 0.92 ? 1 : 0
                    try db.insert("visits", [.text(customer), .text(day.isoDay), .text(monthKey), .text(agent.id), .text(customer),
                                             .text(source), .text(random.unit() < 0.7 ? "首訪" : "複訪"), .int(followed)])
                    if random.unit() < 0.35 {
                        try db.insert("leads", [.text("L\(customerNumber)"), .text(day.isoDay), .text(monthKey), .text(source),
                                                .text(agent.id), .text(customer), .int(random.unit() < 0.18 * agent.skill ? 1 : 0)])
                    }
                }

                // Deals: a unit each, its floor area and price; receipts follow the payment plan.
                let dealCount = random.poisson(dealRate * agent.skill * season * Double(days) / 30)
                for _ in 0..<dealCount {
                    dealNumber += 1
                    customerNumber += 1
                    let customer = try newCustomer(db, &random, number: customerNumber)
                    let signed = CalendarDate(year: period.year, month: period.month, day: 1 + random.below(days))
                    let area = (55 + random.unit() * 110).rounded() / 1 + Double(random.below(10)) / 10
                    let pricePerSquareMetre = 215_000 + random.unit() * 55_000
                    let parking = random.unit() < 0.65 ? 1 : 0
                    let amount = ((area * pricePerSquareMetre + Double(parking) * 2_300_000) / 10_000).rounded() * 10_000
                    let building = ["A", "B", "C"][random.below(3)]
                    let unit = "\(building)\(3 + random.below(20))F-\(1 + random.below(6))"
                    let dealID = "D\(zeroPadded(dealNumber, 6))"
                    try db.insert("deals", [.text(dealID), .text(signed.isoDay), .text(monthKey), .text(quarterKey), .text(agent.id),
                                            .text(agent.team), .text(customer), .text(unit), .real(area), .real(amount), .int(1), .int(parking)])
                    if deals == nil || dealNumber <= 5_000 {
                        receiptNumber = try receipts(db, &random, deal: dealID, customer: customer, signed: signed, amount: amount, number: receiptNumber)
                    }
                }
            }
            for (team, target) in teamTargets.sorted(by: { $0.key < $1.key }) {
                try db.insert("team_targets", [.text(monthKey), .text(quarterKey), .text(team), .real(target.0), .int(target.1)])
            }

            // Inquiries to the hotline and other channels, with reply times.
            for number in 0..<Int(Double(210 + random.below(80)) * Double(days) / 30) {
                let received = CalendarDate(year: period.year, month: period.month, day: 1 + random.below(days),
                                            hour: 9 + random.below(11), minute: random.below(60), hasTime: true)
                let channel = Self.inquiryChannels[random.weighted([45, 30, 10, 15])]
                let minutes = Int(random.logNormal(median: channel == "Email" ? 150 : 22, spread: 0.9))
                try db.insert("inquiries", [.text("Q\(monthKey)-\(number)"), .text(received.dateTime), .text(monthKey), .text(channel),
                                            .text(Self.inquiryTopics[random.below(Self.inquiryTopics.count)]), .int(minutes),
                                            .int(channel == "Email" ? 240 : 30), .int(random.unit() < 0.95 ? 1 : 0),
                                            .text(agents[random.below(agents.count)].id)])
            }

            // Complaints: logged, answered within a promised time, resolved, followed up.
            for number in 0..<(14 + random.below(18)) {
                let received = CalendarDate(year: period.year, month: period.month, day: 1 + random.below(days),
                                            hour: 9 + random.below(10), minute: random.below(60), hasTime: true)
                let severity = ["一般", "重大", "緊急"][random.weighted([70, 24, 6])]
                let promised = severity == "緊急" ? 4 : 24
                let firstHours = random.logNormal(median: severity == "緊急" ? 2.5 : 10, spread: 0.8)
                let resolvedDays = random.logNormal(median: severity == "一般" ? 3 : 6, spread: 0.7)
                let resolvedAt = received.secondsSinceEpoch + Int(resolvedDays * 86_400)
                let stillOpen = resolvedAt > asOf.secondsSinceEpoch || random.unit() < 0.04
                customerNumber += 1
                let customer = try newCustomer(db, &random, number: customerNumber)
                let satisfaction: SQLiteWriter.Cell = stillOpen ? .null : .int(max(1, min(5, Int((3.2 + random.unit() * 2.2 - resolvedDays / 12).rounded()))))
                try db.insert("complaints", [
                    .text("C\(monthKey)-\(number)"), .text(received.dateTime), .text(monthKey),
                    .text(Self.complaintChannels[random.weighted([35, 25, 15, 15, 10])]),
                    .text(Self.complaintCategories[random.weighted([26, 18, 16, 12, 14, 14])]), .text(severity), .text(customer),
                    .text(CalendarDate(secondsSinceEpoch: received.secondsSinceEpoch + Int(firstHours * 3600)).dateTime),
                    .real((firstHours * 10).rounded() / 10), .int(promised),
                    stillOpen ? .null : .text(CalendarDate(secondsSinceEpoch: resolvedAt).dateTime),
                    stillOpen ? .null : .real((resolvedDays * 10).rounded() / 10), .int(stillOpen ? 0 : 1), satisfaction,
                ])
            }

            // Budget against actual spend per cost item.
            for (item, base) in Self.costItems {
                let budget = (base * (item == "廣告媒體" ? season : 1) / 1000).rounded() * 1000
                let actual = period.year == asOf.year && period.month == asOf.month
                    ? (budget * (0.6 + random.unit() * 0.3) / 100).rounded() * 100
                    : (budget * (0.82 + random.unit() * 0.33) / 100).rounded() * 100
                try db.insert("budget", [.text(monthKey), .text(item), .real(budget), .real(actual)])
            }
        }

        try trainings(db, &random, agents: agents.map { ($0.id, $0.skill) })
        try db.execute("COMMIT")
        try db.execute(Self.indexes)
    }

    private func personName(_ random: inout SplitMix64) -> String {
        String(Self.surnames[random.below(Self.surnames.count)]) + String(Self.givenFirst[random.below(Self.givenFirst.count)])
            + String(Self.givenSecond[random.below(Self.givenSecond.count)])
    }

    private func newCustomer(_ db: SQLiteWriter, _ random: inout SplitMix64, number: Int) throws -> String {
        let id = "K\(zeroPadded(number, 6))"
        let phone = "09\(random.below(10))\(random.below(10))-\(100 + random.below(900))-\(100 + random.below(900))"
        let letters = Array("ABCDEFGHJKLMNPQRSTUVXYWZIO")
        let idNumber = "\(letters[random.below(letters.count)])\(1 + random.below(2))\(zeroPadded(random.below(100_000_000), 8))"
        try db.insert("customers", [.text(id), .text(personName(&random)), .text(phone), .text(idNumber)])
        return id
    }

    /// The payment plan of a pre-sale unit: deposit, signing, construction, handover.
    private func receipts(_ db: SQLiteWriter, _ random: inout SplitMix64, deal: String, customer: String,
                          signed: CalendarDate, amount: Double, number: Int) throws -> Int {
        var number = number
        let stages: [(String, Double, Int)] = [("訂金", 200_000, 0), ("簽約金", amount * 0.05 - 200_000, 7),
                                               ("開工款", amount * 0.05, 60), ("工程期款", amount * 0.05, 180), ("交屋款", amount * 0.85, 540)]
        for (stage, due, days) in stages {
            number += 1
            let dueDate = CalendarDate(secondsSinceEpoch: signed.secondsSinceEpoch + days * 86_400)
            let isDue = dueDate.secondsSinceEpoch <= asOf.secondsSinceEpoch
            let late = random.unit()
            var paid: SQLiteWriter.Cell = .null
            var paidAmount: SQLiteWriter.Cell = .real(0)
            if isDue && late > 0.07 {
                let delay = late > 0.9 ? random.below(20) : 0
                let paidDate = CalendarDate(secondsSinceEpoch: min(dueDate.secondsSinceEpoch + delay * 86_400, asOf.secondsSinceEpoch))
                paid = .text(paidDate.isoDay)
                paidAmount = .real(due.rounded())
            }
            try db.insert("receipts", [.text("R\(zeroPadded(number, 6))"), .text(deal), .text(customer), .text(stage),
                                       .text(dueDate.isoDay), .real(due.rounded()), paid, paidAmount])
        }
        return number
    }

    /// Courses (the same codes as the course pages), sessions, sign-in, attendance, scores and
    /// feedback; the last sessions are still ahead, for the training calendar.
    private func trainings(_ db: SQLiteWriter, _ random: inout SplitMix64, agents: [(String, Double)]) throws {
        let locations = ["接待中心 2F 會議室", "總公司 5F 教室", "線上（視訊）"]
        let comments = ["案例很實用", "希望多一點演練時間", "講義清楚", "節奏有點快", "想再上進階課程", "可以直接用在接待上", ""]
        var session = 0
        for (index, course) in Self.courses.enumerated() {
            try db.insert("courses", [.text(course.0), .text(course.1), .text(course.2), .real(course.3), .int(course.4 ? 1 : 0)])
            for run in 0..<(3 + index % 2) {
                session += 1
                let dayOffset = -420 + run * 150 + index * 11 + random.below(20)
                let date = CalendarDate(secondsSinceEpoch: asOf.secondsSinceEpoch + dayOffset * 86_400)
                let sessionID = "S\(zeroPadded(session, 3))"
                try db.insert("sessions", [.text(sessionID), .text(course.0), .text(date.isoDay), .text(run % 2 == 0 ? "14:00" : "09:30"),
                                           .text(locations[random.below(locations.count)]), .int(24)])
                guard dayOffset < 0 else { continue }
                for (agent, skill) in agents where random.unit() < 0.3 {
                    let signedIn = random.unit() < 0.95
                    let attended = signedIn && random.unit() < 0.97
                    try db.insert("attendance", [
                        .text(sessionID), .text(agent), .int(signedIn ? 1 : 0), .int(attended ? 1 : 0),
                        attended ? .real(min(100, (62 + skill * 18 + random.unit() * 16).rounded())) : .null,
                        attended ? .int(3 + random.below(3)) : .null,
                        attended ? .text(comments[random.below(comments.count)]) : .null,
                    ])
                }
            }
        }
    }

    func pad(_ number: Int) -> String { number < 10 ? "0\(number)" : String(number) }

    static let schema = """
    CREATE TABLE _meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE teams (team_id TEXT PRIMARY KEY, name TEXT NOT NULL, leader TEXT);
    CREATE TABLE agents (agent_id TEXT PRIMARY KEY, name TEXT NOT NULL, team_id TEXT NOT NULL, hired TEXT, active INTEGER);
    CREATE TABLE agent_targets (month TEXT, quarter TEXT, agent_id TEXT, amount_target REAL, area_target REAL, units_target INTEGER);
    CREATE TABLE team_targets (month TEXT, quarter TEXT, team_id TEXT, amount_target REAL, units_target INTEGER);
    CREATE TABLE customers (customer_id TEXT PRIMARY KEY, customer_name TEXT, phone TEXT, id_number TEXT);
    CREATE TABLE visits (visit_id TEXT, visit_date TEXT, month TEXT, agent_id TEXT, customer_id TEXT, source TEXT, kind TEXT, followed_up INTEGER);
    CREATE TABLE leads (lead_id TEXT, created TEXT, month TEXT, source TEXT, agent_id TEXT, customer_id TEXT, converted INTEGER);
    CREATE TABLE deals (deal_id TEXT PRIMARY KEY, signed_date TEXT, month TEXT, quarter TEXT, agent_id TEXT, team_id TEXT,
                        customer_id TEXT, unit_no TEXT, floor_area REAL, amount REAL, units INTEGER, parking INTEGER);
    CREATE TABLE inquiries (inquiry_id TEXT, received_at TEXT, month TEXT, channel TEXT, topic TEXT, reply_minutes INTEGER,
                            promised_minutes INTEGER, answered_correctly INTEGER, agent_id TEXT);
    CREATE TABLE complaints (complaint_id TEXT, received_at TEXT, month TEXT, channel TEXT, category TEXT, severity TEXT,
                             customer_id TEXT, first_response_at TEXT, first_response_hours REAL, promised_hours INTEGER,
                             resolved_at TEXT, resolution_days REAL, resolved INTEGER, satisfaction INTEGER);
    CREATE TABLE courses (course_id TEXT PRIMARY KEY, title TEXT, trainer TEXT, hours REAL, mandatory INTEGER);
    CREATE TABLE sessions (session_id TEXT PRIMARY KEY, course_id TEXT, session_date TEXT, start_time TEXT, location TEXT, capacity INTEGER);
    CREATE TABLE attendance (session_id TEXT, agent_id TEXT, signed_in INTEGER, attended INTEGER, score REAL, feedback_score INTEGER, feedback TEXT);
    CREATE TABLE receipts (receipt_id TEXT PRIMARY KEY, deal_id TEXT, customer_id TEXT, stage TEXT, due_date TEXT, amount REAL,
                           paid_date TEXT, paid_amount REAL);
    CREATE TABLE budget (month TEXT, cost_item TEXT, budget REAL, actual REAL);
    """

    static let indexes = """
    CREATE INDEX deals_month ON deals (month, agent_id);
    CREATE INDEX deals_quarter ON deals (quarter, agent_id);
    CREATE INDEX visits_month ON visits (month, agent_id);
    CREATE INDEX attendance_agent ON attendance (agent_id);
    ANALYZE;
    """
}

extension CalendarDate {
    /// `2026-03-14 09:30`
    var dateTime: String {
        let hh = hour < 10 ? "0\(hour)" : String(hour), mm = minute < 10 ? "0\(minute)" : String(minute)
        return "\(isoDay) \(hh):\(mm)"
    }
}

/// `7` -> `007` for width 3.
func zeroPadded(_ number: Int, _ width: Int) -> String {
    let digits = "\(number)"
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// The draws the sample office is made of.
extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// An index chosen with the given relative weights.
    mutating func weighted(_ weights: [Int]) -> Int {
        var pick = below(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if pick < weight { return index }
            pick -= weight
        }
        return weights.count - 1
    }

    mutating func poisson(_ mean: Double) -> Int {
        if mean > 50 { return max(0, Int((mean + normal() * mean.squareRoot()).rounded())) }
        let limit = exponential(-mean)
        var product = unit()
        var count = 0
        while product > limit {
            product *= unit()
            count += 1
        }
        return count
    }

    mutating func normal() -> Double {
        let u1 = max(unit(), 1e-12), u2 = unit()
        return (-2 * logarithm(u1)).squareRoot() * cosine(2 * Double.pi * u2)
    }

    mutating func logNormal(median: Double, spread: Double) -> Double { median * exponential(normal() * spread) }
}
