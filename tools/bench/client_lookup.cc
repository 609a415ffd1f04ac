// client-lookup on this project's node: see scenarios.h.
#include <random>

#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "tools/bench/bench_node.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

constexpr const char* kLatinFirst[] = {"Anna", "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack"};
constexpr const char* kLatinLast[] = {"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson",
                                      "Johnson", "Davies", "Patel", "Wright"};
constexpr const char* kCyrillicFirst[] = {"Анна", "Мария", "Иван", "Дмитрий", "Елена", "Сергей"};
constexpr const char* kCyrillicLast[] = {"Петрова", "Иванов", "Смирнова", "Кузнецов", "Попова",
                                         "Соколов", "Лебедева", "Козлов"};
// Lower case of the Cyrillic last names (the SQLite baseline folds by hand).
constexpr const char* kCyrillicLastFolded[] = {"петрова", "иванов", "смирнова", "кузнецов",
                                               "попова", "соколов", "лебедева", "козлов"};
// Their Latin spelling, as a query typed on a Latin keyboard begins it.
constexpr const char* kCyrillicLastLatin[] = {"petrova", "ivanov",  "smirnova", "kuznetsov",
                                              "popova",  "sokolov", "lebedeva", "kozlov"};

// `ascii` with each digit written as a Persian digit (U+06F0..U+06F9).
std::string PersianDigits(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    if (c >= '0' && c <= '9') {
      out += "\xDB";
      out += static_cast<char>(0xB0 + (c - '0'));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

BenchClient ClientNumber(size_t k) {
  BenchClient c;
  bool cyrillic = k % 3 == 0;
  // A suffix makes most last names distinct while keeping common prefixes.
  std::string suffix = std::to_string(k % 997);
  if (cyrillic) {
    c.first_name = kCyrillicFirst[k % std::size(kCyrillicFirst)];
    c.last_name = std::string(kCyrillicLast[(k / 3) % std::size(kCyrillicLast)]) + suffix;
    c.folded_last_name = std::string(kCyrillicLastFolded[(k / 3) % std::size(kCyrillicLast)]) + suffix;
  } else {
    c.first_name = kLatinFirst[k % std::size(kLatinFirst)];
    c.last_name = std::string(kLatinLast[(k / 3) % std::size(kLatinLast)]) + suffix;
    c.folded_last_name = c.last_name;
    for (char& ch : c.folded_last_name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  c.phone_e164 = fmt::format("+447400{:06}", k % 1'000'000);  // valid for every last six digits
  c.email = fmt::format("client{}@example.com", k);
  c.card = fmt::format("CARD-{:08}", k);
  return c;
}

std::string LookupQuery(size_t k, int i) {
  BenchClient c = ClientNumber(k);
  std::string national = c.phone_e164.substr(3);  // 7400NNNNNN
  switch (i % 4) {
    case 0:
      switch ((i / 4) % 4) {
        case 0: return "0" + national.substr(0, 4) + " " + national.substr(4);  // 07400 123456
        case 1: return "+44 " + national.substr(0, 4) + " " + national.substr(4, 3) + " " + national.substr(7);
        case 2:
          return "(0" + national.substr(0, 4) + ") " + national.substr(4, 3) + "-" +
                 national.substr(7);
        default:  // ۰۷۴۰۰ ۱۲۳۴۵۶
          return PersianDigits("0" + national.substr(0, 4) + " " + national.substr(4));
      }
    case 1: return c.card;
    case 2: return c.email;
    default: {
      bool cyrillic = static_cast<unsigned char>(c.last_name[0]) >= 0x80;
      // Every other Cyrillic name is looked for in Latin letters ("petr" for
      // "Петрова"), through its transliteration.
      if (cyrillic && (i / 4) % 2 == 1) {
        return std::string(kCyrillicLastLatin[(k / 3) % std::size(kCyrillicLast)]).substr(0, 4);
      }
      // The first two letters of the last name (two UTF-8 bytes each in Cyrillic).
      return c.last_name.substr(0, cyrillic ? 4 : 2);
    }
  }
}

void FillClients(StoreRuntime& runtime, size_t clients) {
  for (size_t done = 0; done < clients;) {
    size_t n = std::min<size_t>(5000, clients - done);
    Must(runtime.writer->Run([&](StoreTxn& txn) -> Status {
           for (size_t k = done; k < done + n; ++k) {
             BenchClient c = ClientNumber(k);
             ChangeMessage change = ChangeMessage::Patch(
                 EntityKind::CLIENT, Id::Generate(runtime.wall.NowMillis()), runtime.hlc->Now(), Id{});
             auto client = change.record<schema::Client>();
             client.setFirstName(c.first_name);
             client.setLastName(c.last_name);
             client.setLoyaltyCard(c.card);
             CRM_RETURN_IF_ERROR(change.Set("firstName"));
             CRM_RETURN_IF_ERROR(change.Set("lastName"));
             CRM_RETURN_IF_ERROR(change.Set("loyaltyCard"));
             CRM_RETURN_IF_ERROR(change.AddElement("phones", c.phone_e164));
             CRM_RETURN_IF_ERROR(change.AddElement("emails", c.email));
             CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
           }
           return Status::Ok();
         }),
         "filling the store");
    done += n;
  }
}

LatencyFigures RunClientLookup(size_t clients, int lookups) {
  // The clients go straight into the store, as replication would bring them.
  BenchNode node(4, [clients](StoreRuntime& runtime) { FillClients(runtime, clients); });
  Till till = node.NewTill();
  std::mt19937_64 random(7);
  std::vector<double> latencies;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < lookups; ++i) {
    size_t k = random() % clients;
    std::string query = LookupQuery(k, i);
    auto begun = std::chrono::steady_clock::now();
    DecodedMessage reply = till.Call("find a client", [&](schema::Request::Builder r) {
      auto find = r.initFindClients();
      find.setQuery(query);
      find.setLimit(20);
    });
    latencies.push_back(MicrosSince(begun));
    if (reply.Root<schema::Response>().getClients().size() == 0) {
      Die("find a client", Status::NotFound("nothing found for '" + query + "'"));
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Summarize(std::move(latencies), seconds);
}

}  // namespace crm::bench
