// The SQLite baseline a team would otherwise build on, for sale-commit and
// client-lookup: the same records and indexes (clients with their lookup
// indexes, products, sales with lines and payments, a change log, receipt
// counters, the responses kept for safe retries), WAL, synchronous=FULL, one
// connection per client, prepared statements. The only code of the project
// that calls SQLite.
#include <sqlite3.h>

#include <memory>
#include <random>

#include "sync/base/id.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

constexpr const char* kSchema = R"sql(
  PRAGMA journal_mode = WAL;
  CREATE TABLE clients (id BLOB PRIMARY KEY, first_name TEXT, last_name TEXT, phone TEXT,
                        email TEXT, card TEXT) WITHOUT ROWID;
  CREATE INDEX clients_phone ON clients (phone);
  CREATE INDEX clients_email ON clients (email);
  CREATE INDEX clients_card ON clients (card);
  CREATE INDEX clients_last_name ON clients (last_name);
  CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT, price INTEGER) WITHOUT ROWID;
  CREATE TABLE sales (id BLOB PRIMARY KEY, receipt TEXT UNIQUE, office TEXT, cashier BLOB,
                      client BLOB, time INTEGER, currency TEXT, total INTEGER) WITHOUT ROWID;
  CREATE INDEX sales_client ON sales (client);
  CREATE TABLE sale_lines (sale BLOB, line INTEGER, sku TEXT, quantity INTEGER,
                           unit_price INTEGER, amount INTEGER, PRIMARY KEY (sale, line)) WITHOUT ROWID;
  CREATE TABLE payments (sale BLOB, method INTEGER, amount INTEGER);
  CREATE INDEX payments_sale ON payments (sale);
  CREATE TABLE change_log (seq INTEGER PRIMARY KEY, entity INTEGER, id BLOB, body BLOB);
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;
  CREATE TABLE requests (id BLOB PRIMARY KEY, response BLOB) WITHOUT ROWID;
  INSERT INTO products VALUES ('85123A', 'Product 85123A', 255), ('71053', 'Product 71053', 355),
                              ('84406B', 'Product 84406B', 455);
  INSERT INTO counters VALUES ('receipt', 0);
)sql";

constexpr const char* kSkus[] = {"85123A", "71053", "84406B"};

class Connection {
 public:
  explicit Connection(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) Fail("open");
    sqlite3_busy_timeout(db_, 60'000);
    Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  }
  ~Connection() {
    for (sqlite3_stmt* statement : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : "unknown error";
      sqlite3_free(error);
      Die("sqlite", Status::Internal(message));
    }
  }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) Fail("prepare");
    statements_.push_back(statement);
    return statement;
  }
  // Runs a prepared statement to its end; the first row's first column if any.
  int64_t Step(sqlite3_stmt* statement) {
    int64_t first = 0;
    for (;;) {
      int rc = sqlite3_step(statement);
      if (rc == SQLITE_ROW) {
        first = sqlite3_column_int64(statement, 0);
        continue;
      }
      if (rc != SQLITE_DONE) Fail("step");
      break;
    }
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    return first;
  }
  [[noreturn]] void Fail(const char* what) {
    Die(std::string("sqlite ") + what, Status::Internal(sqlite3_errmsg(db_)));
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

void BindId(sqlite3_stmt* statement, int index, const Id& id) {
  auto bytes = id.ToBytes();
  sqlite3_bind_blob(statement, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}

// One till: its connection and the statements of a sale.
class SqliteTill {
 public:
  explicit SqliteTill(const std::string& path)
      : db_(path),
        begin_(db_.Prepare("BEGIN IMMEDIATE")),
        commit_(db_.Prepare("COMMIT")),
        find_request_(db_.Prepare("SELECT count(*) FROM requests WHERE id = ?")),
        find_client_(db_.Prepare("SELECT count(*) FROM clients WHERE id = ?")),
        price_(db_.Prepare("SELECT price FROM products WHERE sku = ?")),
        next_receipt_(db_.Prepare(
            "UPDATE counters SET value = value + 1 WHERE name = 'receipt' RETURNING value")),
        insert_sale_(db_.Prepare("INSERT INTO sales VALUES (?, ?, 'BENCH', ?, ?, ?, 'GBP', ?)")),
        insert_line_(db_.Prepare("INSERT INTO sale_lines VALUES (?, ?, ?, ?, ?, ?)")),
        insert_payment_(db_.Prepare("INSERT INTO payments VALUES (?, 1, ?)")),
        insert_change_(db_.Prepare("INSERT INTO change_log (entity, id, body) VALUES (3, ?, ?)")),
        insert_request_(db_.Prepare("INSERT INTO requests VALUES (?, ?)")) {}

  void Sale(const Id& client, int s, const std::string& body) {
    Id sale = Id::Generate(0);
    Id request = Id::Generate(0);
    db_.Step(begin_);
    BindId(find_request_, 1, request);
    if (db_.Step(find_request_) != 0) Die("sqlite", Status::Internal("request id reused"));
    BindId(find_client_, 1, client);
    if (db_.Step(find_client_) != 1) Die("sqlite", Status::Internal("client missing"));
    int64_t total = 0;
    int64_t prices[3];
    for (int l = 0; l < 3; ++l) {
      sqlite3_bind_text(price_, 1, kSkus[l], -1, SQLITE_STATIC);
      prices[l] = db_.Step(price_);
    }
    int64_t receipt = db_.Step(next_receipt_);
    for (int l = 0; l < 3; ++l) {
      int quantity = 1 + (s + l) % 3;
      BindId(insert_line_, 1, sale);
      sqlite3_bind_int(insert_line_, 2, l);
      sqlite3_bind_text(insert_line_, 3, kSkus[l], -1, SQLITE_STATIC);
      sqlite3_bind_int(insert_line_, 4, quantity);
      sqlite3_bind_int64(insert_line_, 5, prices[l]);
      sqlite3_bind_int64(insert_line_, 6, prices[l] * quantity);
      db_.Step(insert_line_);
      total += prices[l] * quantity;
    }
    BindId(insert_sale_, 1, sale);
    std::string receipt_no = fmt::format("BENCH-20261123-{:04}", receipt);
    sqlite3_bind_text(insert_sale_, 2, receipt_no.c_str(), -1, SQLITE_TRANSIENT);
    BindId(insert_sale_, 3, Id{1, 1});
    BindId(insert_sale_, 4, client);
    sqlite3_bind_int64(insert_sale_, 5, static_cast<int64_t>(sale.Millis()));
    sqlite3_bind_int64(insert_sale_, 6, total);
    db_.Step(insert_sale_);
    BindId(insert_payment_, 1, sale);
    sqlite3_bind_int64(insert_payment_, 2, total);
    db_.Step(insert_payment_);
    BindId(insert_change_, 1, sale);
    sqlite3_bind_blob(insert_change_, 2, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    db_.Step(insert_change_);
    BindId(insert_request_, 1, request);
    sqlite3_bind_blob(insert_request_, 2, body.data(), static_cast<int>(body.size() / 2), SQLITE_STATIC);
    db_.Step(insert_request_);
    db_.Step(commit_);
  }

 private:
  Connection db_;
  sqlite3_stmt* begin_;
  sqlite3_stmt* commit_;
  sqlite3_stmt* find_request_;
  sqlite3_stmt* find_client_;
  sqlite3_stmt* price_;
  sqlite3_stmt* next_receipt_;
  sqlite3_stmt* insert_sale_;
  sqlite3_stmt* insert_line_;
  sqlite3_stmt* insert_payment_;
  sqlite3_stmt* insert_change_;
  sqlite3_stmt* insert_request_;
};

}  // namespace

LatencyFigures RunSqliteSaleCommit(int clients, int sales_each) {
  ScratchDir dir;
  std::string path = (dir.path() / "baseline.sqlite").string();
  Id client{0x0123456789ABCDEFULL, 42};
  {
    Connection setup(path);
    setup.Exec(kSchema);
    sqlite3_stmt* insert = setup.Prepare("INSERT INTO clients VALUES (?, 'Anna', 'Petrova', "
                                         "'+79123456789', NULL, NULL)");
    BindId(insert, 1, client);
    setup.Step(insert);
  }
  // A change-log entry about the size of this project's (a packed sale change).
  std::string body(320, '\0');
  std::mt19937 random(1);
  for (char& c : body) c = static_cast<char>(random());

  return RunClosedLoop(
      clients, sales_each, [&] { return std::make_unique<SqliteTill>(path); },
      [&](std::unique_ptr<SqliteTill>& till, int s) { till->Sale(client, s, body); });
}

void FillSqliteClients(const std::string& path, size_t clients) {
  Connection db(path);
  db.Exec(R"sql(
    CREATE TABLE clients (id BLOB PRIMARY KEY, first_name TEXT, last_name TEXT, last_folded TEXT,
                          phone TEXT, email TEXT, card TEXT) WITHOUT ROWID;
    CREATE INDEX clients_phone ON clients (phone);
    CREATE INDEX clients_email ON clients (email);
    CREATE INDEX clients_card ON clients (card);
    CREATE INDEX clients_last_folded ON clients (last_folded);
  )sql");
  sqlite3_stmt* insert = db.Prepare("INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?, ?)");
  db.Exec("BEGIN");
  for (size_t k = 0; k < clients; ++k) {
    BenchClient c = ClientNumber(k);
    BindId(insert, 1, Id{k + 1, 0x5eed});
    sqlite3_bind_text(insert, 2, c.first_name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 3, c.last_name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 4, c.folded_last_name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 5, c.phone_e164.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 6, c.email.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 7, c.card.c_str(), -1, SQLITE_TRANSIENT);
    db.Step(insert);
  }
  db.Exec("COMMIT");
}

LatencyFigures RunSqliteClientLookup(size_t clients, int lookups) {
  ScratchDir dir;
  std::string path = (dir.path() / "lookup.sqlite").string();
  FillSqliteClients(path, clients);
  Connection db(path);
  const char* columns = "SELECT id, first_name, last_name, phone, email, card FROM clients ";
  sqlite3_stmt* by[4] = {
      db.Prepare((std::string(columns) + "WHERE phone = ?1 LIMIT 20").c_str()),
      db.Prepare((std::string(columns) + "WHERE card = ?1 LIMIT 20").c_str()),
      db.Prepare((std::string(columns) + "WHERE email = ?1 LIMIT 20").c_str()),
      db.Prepare((std::string(columns) + "WHERE last_folded >= ?1 AND last_folded < ?2 LIMIT 20").c_str()),
  };
  std::mt19937_64 random(7);
  std::vector<double> latencies;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < lookups; ++i) {
    BenchClient c = ClientNumber(random() % clients);
    // The application normalizes the query before SQLite sees it (not timed
    // here; this project's figure includes it).
    std::string key;
    std::string upper;
    switch (i % 4) {
      case 0: key = c.phone_e164; break;
      case 1: key = c.card; break;
      case 2: key = c.email; break;
      default:
        key = c.folded_last_name.substr(0, static_cast<unsigned char>(c.folded_last_name[0]) >= 0x80 ? 4 : 2);
        upper = key + "\xff";
        break;
    }
    sqlite3_stmt* statement = by[i % 4];
    auto begun = std::chrono::steady_clock::now();
    sqlite3_bind_text(statement, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (!upper.empty()) sqlite3_bind_text(statement, 2, upper.c_str(), -1, SQLITE_TRANSIENT);
    int rows = 0;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      for (int column = 0; column < 6; ++column) (void)sqlite3_column_blob(statement, column);
      ++rows;
    }
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    latencies.push_back(MicrosSince(begun));
    if (rows == 0) Die("sqlite lookup", Status::NotFound("nothing found for '" + key + "'"));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Summarize(std::move(latencies), seconds);
}

LatencyFigures RunSqliteClientCard(int opens) {
  ScratchDir dir;
  std::string path = (dir.path() / "card.sqlite").string();
  Connection db(path);
  db.Exec(kSchema);
  db.Exec(R"sql(
    CREATE TABLE interactions (id BLOB PRIMARY KEY, client BLOB, time INTEGER, channel INTEGER,
                               direction INTEGER, summary TEXT) WITHOUT ROWID;
    CREATE INDEX interactions_client ON interactions (client, time);
    CREATE TABLE notes (id BLOB PRIMARY KEY, client BLOB, time INTEGER, text TEXT) WITHOUT ROWID;
    CREATE INDEX notes_client ON notes (client, time);
  )sql");
  std::string body(320, 'x');
  Id anna{0xA11A, 1};
  sqlite3_stmt* add_client =
      db.Prepare("INSERT INTO clients VALUES (?, 'Anna', 'Card', NULL, NULL, NULL)");
  BindId(add_client, 1, anna);
  db.Step(add_client);
  // Her sales and everyone else's, the same counts as the node gets.
  {
    SqliteTill till(path);
    for (int i = 0; i < kCardSales; ++i) till.Sale(anna, i, body);
    for (int t = 0; t < 8; ++t) {
      Id other{0x07E4, static_cast<uint64_t>(t)};
      BindId(add_client, 1, other);
      db.Step(add_client);
      for (int i = 0; i < kOtherSales / 8; ++i) till.Sale(other, i, body);
    }
  }
  sqlite3_stmt* add_interaction = db.Prepare("INSERT INTO interactions VALUES (?, ?, ?, ?, 0, ?)");
  sqlite3_stmt* add_note = db.Prepare("INSERT INTO notes VALUES (?, ?, ?, ?)");
  db.Exec("BEGIN");
  for (int i = 0; i < kCardInteractions; ++i) {
    BindId(add_interaction, 1, Id{0x1A7E, static_cast<uint64_t>(i)});
    BindId(add_interaction, 2, anna);
    sqlite3_bind_int64(add_interaction, 3, i);
    sqlite3_bind_int(add_interaction, 4, i % 2);
    std::string summary = fmt::format("asked about lanterns, visit {}", i);
    sqlite3_bind_text(add_interaction, 5, summary.c_str(), -1, SQLITE_TRANSIENT);
    db.Step(add_interaction);
  }
  for (int i = 0; i < kCardNotes; ++i) {
    BindId(add_note, 1, Id{0x0707, static_cast<uint64_t>(i)});
    BindId(add_note, 2, anna);
    sqlite3_bind_int64(add_note, 3, i);
    std::string text = fmt::format("prefers the white lanterns ({})", i);
    sqlite3_bind_text(add_note, 4, text.c_str(), -1, SQLITE_TRANSIENT);
    db.Step(add_note);
  }
  db.Exec("COMMIT");

  // The card: the client, her sales with lines and payments, her
  // interactions and notes; every column read, the total summed.
  sqlite3_stmt* queries[] = {
      db.Prepare("SELECT * FROM clients WHERE id = ?1"),
      db.Prepare("SELECT id, receipt, office, time, currency, total FROM sales WHERE client = ?1 "
                 "ORDER BY time"),
      db.Prepare("SELECT l.sale, l.line, l.sku, l.quantity, l.unit_price, l.amount FROM sales s "
                 "JOIN sale_lines l ON l.sale = s.id WHERE s.client = ?1"),
      db.Prepare("SELECT p.sale, p.method, p.amount FROM sales s JOIN payments p ON p.sale = s.id "
                 "WHERE s.client = ?1"),
      db.Prepare("SELECT * FROM interactions WHERE client = ?1 ORDER BY time"),
      db.Prepare("SELECT * FROM notes WHERE client = ?1 ORDER BY time"),
  };
  std::vector<double> latencies;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < opens; ++i) {
    auto begun = std::chrono::steady_clock::now();
    int64_t total = 0;
    int rows = 0;
    for (sqlite3_stmt* query : queries) {
      BindId(query, 1, anna);
      while (sqlite3_step(query) == SQLITE_ROW) {
        for (int column = 0; column < sqlite3_column_count(query); ++column) {
          (void)sqlite3_column_blob(query, column);
        }
        if (query == queries[1]) total += sqlite3_column_int64(query, 5);
        ++rows;
      }
      sqlite3_reset(query);
    }
    latencies.push_back(MicrosSince(begun));
    if (total <= 0 || rows < kCardSales + kCardInteractions + kCardNotes) {
      Die("sqlite card", Status::Internal("the card is incomplete"));
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Summarize(std::move(latencies), seconds);
}

}  // namespace crm::bench
