// Segment lists for a targeted campaign: the clients of an RFM segment or an
// ABC class who agreed to be reached on the campaign's channel and can be,
// and the campaign tag that makes them the campaign's audience.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hq/actions/client_contact.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/hlc.h"

namespace crm {

struct AudienceQuery {
  // One of the two: an RFM segment (a name of kRfmSegments) or an ABC class
  // of clients ('A', 'B' or 'C'); any case.
  std::string segment;
  char abc = 0;
  Channel channel = Channel::kEmail;
  // Of the sales RFM and ABC are computed from; empty: the only currency the
  // sales are in (several: kInvalidArgument asking for one; one with no sales:
  // kInvalidArgument naming those there are).
  std::string currency;
};

struct AudienceRow {
  Id client;
  std::string card;
  std::string name;     // ClientName
  std::string contact;  // ContactFor the channel
  std::string segment;  // the RFM segment, or the ABC class ("A")
};

struct Audience {
  std::vector<AudienceRow> clients;  // by card, then id
  size_t in_segment = 0;             // live clients of the segment or class
  size_t consent_unknown = 0;        // of them, left out: no consent given for the channel
  size_t consent_refused = 0;        //   consent refused
  size_t no_contact = 0;             //   consent granted, but nothing to reach them by
};

// kInvalidArgument (naming "segment" or "abc") unless the query names a
// segment of kRfmSegments (any case) or an ABC class (A, B or C, any case),
// and not both.
Status CheckAudienceQuery(const AudienceQuery& query);

// The live clients (not deleted, erased, or merged into another) of the
// segment (Rfm as of the day after the last sale) or class (Abc of clients)
// with consent GRANTED for the channel and a contact for it. Segments and
// classes count a merged duplicate's sales for the client it was merged into.
// kInvalidArgument unless CheckAudienceQuery(query).ok().
Result<Audience> CampaignAudience(const Store& store, const AudienceQuery& query);

// kInvalidArgument (field "code") unless `code` can make a tag: 1 to 41
// bytes (the tag at most 50) of ASCII letters, digits, '-', '_', '.' and '/'.
Status CheckCampaignCode(std::string_view code);

struct TagOutcome {
  size_t tagged = 0;          // the tag added now
  size_t already = 0;         // held it already
  size_t removed_before = 0;  // an office removed it: not added back
};

// Adds CampaignTag(code) to every client of `audience` that never held it,
// as a field-level set add (it replicates to the offices and merges with
// their edits), a transaction per thousand. A client holding it, or from
// whom an office removed it, is left alone: a re-run writes nothing.
// REQUIRES: CheckCampaignCode(code).ok()
Result<TagOutcome> TagAudience(Writer& writer, HybridClock& hlc, const Audience& audience,
                               std::string_view code);

}  // namespace crm
