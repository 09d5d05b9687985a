/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live front end: EvtSubscribe to Sysmon's operational channel, each event rendered as XML
 * (EvtRenderEventXml, UTF-16), converted to UTF-8 and run through the pipeline.  The callback
 * runs on a thread of the event log service's client; the pipeline is used from it only, so it
 * needs no lock.
 */
#include <windows.h>
#include <winevt.h>

#include <stdio.h>
#include <stdlib.h>

#include "win.h"
#include "zhijia/errors.h"

struct sub_ctx {
	struct zj_win_pipeline *p;
	unsigned long events;
	unsigned long errors;
};

static void handle(struct sub_ctx *c, EVT_HANDLE event)
{
	DWORD used = 0, props = 0;
	wchar_t *buf = NULL;
	char *xml;
	size_t len;
	int translated;
	long r;

	if (!EvtRender(NULL, event, EvtRenderEventXml, 0, NULL, &used, &props) &&
	    GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
		c->errors++;
		return;
	}
	buf = malloc(used);
	if (!buf || !EvtRender(NULL, event, EvtRenderEventXml, used, buf, &used, &props)) {
		free(buf);
		c->errors++;
		return;
	}
	xml = zj_win_utf8(buf, &len);
	free(buf);
	if (!xml) {
		c->errors++;
		return;
	}
	r = zj_win_pipeline_handle(c->p, xml, len, &translated);
	free(xml);
	c->events++;
	if (r < 0) {
		c->errors++;
		fprintf(stderr, "zhijia-win: an event could not be handled (%ld), ignoring\n", r);
		return;
	}
	if (translated) {
		fwrite(c->p->out.data, 1, c->p->out.len, stdout);
		fflush(stdout);
	}
}

static DWORD WINAPI callback(EVT_SUBSCRIBE_NOTIFY_ACTION action, PVOID userdata, EVT_HANDLE event)
{
	struct sub_ctx *c = userdata;

	if (action == EvtSubscribeActionDeliver)
		handle(c, event);
	else
		c->errors++;
	return ERROR_SUCCESS;
}

int zj_win_subscribe(struct zj_win_pipeline *p, unsigned seconds, char *msg, size_t msglen)
{
	struct sub_ctx c = {.p = p};
	EVT_HANDLE sub;
	wchar_t channel[] = L"" ZJ_SYSMON_CHANNEL;
	DWORD err;

	sub = EvtSubscribe(NULL, NULL, channel, L"*", NULL, &c, callback,
			   EvtSubscribeToFutureEvents);
	if (!sub) {
		err = GetLastError();
		snprintf(msg, msglen, "EvtSubscribe(%s) failed with error %lu%s", ZJ_SYSMON_CHANNEL,
			 (unsigned long)err,
			 err == ERROR_EVT_CHANNEL_NOT_FOUND ? ": the channel does not exist (is "
							      "Sysmon installed?)"
			 : err == ERROR_CALL_NOT_IMPLEMENTED || err == 0
				 ? ": not implemented by this system's wevtapi (Wine's is a stub)"
				 : "");
		return err == ERROR_EVT_CHANNEL_NOT_FOUND ? -ZJ_ENOENT : -ZJ_EOPNOTSUPP;
	}
	if (seconds)
		Sleep(seconds * 1000u);
	else
		for (;;)
			Sleep(INFINITE);
	EvtClose(sub);
	snprintf(msg, msglen, "%lu events, %lu errors", c.events, c.errors);
	return 0;
}
