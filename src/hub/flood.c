#include "hub/flood.h"

#include "hub/hub.h"
#include "hub/fan.h"

static const char R_EXCESS_FLOOD[] = "Excess Flood";

enum hub_result flood_charge(struct hub *h, struct session *s)
{
	unsigned rate = h->cfg.msg_rate, burst = h->cfg.msg_burst;
	if (!rate || !h->cfg.clock_ms || s->bot || s->remote ||
	    (s->caps & SESSION_MODE_OPER))
		return HUB_OK;
	if (burst < 1)
		burst = 1;
	uint64_t now = h->cfg.clock_ms();
	if (!s->msgs.last_ms)
		tbucket_init(&s->msgs, burst, now);
	if (tbucket_take(&s->msgs, rate, burst, now)) {
		s->msg_refused = 0;
		return HUB_OK;
	}
	if (++s->msg_refused < burst) {
		h->too_fast++;
		return fan_result(h, s, HUB_ERR_TOO_FAST, NULL, 0, NULL, 0, 0, rate);
	}
	h->flood_cut++;
	session_cut(h, s, HUB_ERR_FLOODED, NULL, 0, rate, R_EXCESS_FLOOD, sizeof(R_EXCESS_FLOOD) - 1);
	return HUB_ERR_FLOODED;
}
