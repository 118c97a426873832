/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Background deletion of host veth ends. Deleting a veth makes the caller
 * wait ~20 ms while the kernel waits for the device's users to go away; a
 * worker thread with its own netlink socket does that wait instead of the
 * client. Nothing is lost if netd dies with deletions queued: the endpoints
 * are already gone from the state, so reconciliation deletes their links.
 */
#include <pthread.h>
#include "daemon.h"

struct job {
	char hostif[IFNAMSIZ];
	char *netns;
	struct job *next;
};

struct deleter {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail, *running;
	bool stop;
	struct nl *nl;
};

static void *worker(void *arg)
{
	struct deleter *dl = arg;
	pthread_mutex_lock(&dl->lock);
	for (;;) {
		while (!dl->head && !dl->stop)
			pthread_cond_wait(&dl->cond, &dl->lock);
		if (!dl->head)
			break;
		struct job *j = dl->head;
		dl->head = j->next;
		if (!dl->head)
			dl->tail = NULL;
		dl->running = j;
		pthread_mutex_unlock(&dl->lock);

		struct err e = { 0 };
		int r = nl_link_del(dl->nl, 0, j->hostif, &e);
		/* ENODEV: the namespace went first and took the veth with it */
		if (r < 0 && r != -ENODEV)
			log_err(&e, "detach");

		pthread_mutex_lock(&dl->lock);
		dl->running = NULL;
		free(j->netns);
		free(j);
		pthread_cond_broadcast(&dl->cond);
	}
	pthread_mutex_unlock(&dl->lock);
	return NULL;
}

int deleter_new(struct deleter **ret, struct err *e)
{
	struct deleter *dl = xcalloc(1, sizeof(*dl));
	int r = nl_open(&dl->nl, e);
	if (r < 0) {
		free(dl);
		return r;
	}
	dl->nl->no_faults = true;
	pthread_mutex_init(&dl->lock, NULL);
	pthread_cond_init(&dl->cond, NULL);
	r = pthread_create(&dl->thread, NULL, worker, dl);
	if (r != 0) {
		nl_close(dl->nl);
		free(dl);
		return err_set(e, r, "start the link deleter thread");
	}
	*ret = dl;
	return 0;
}

void deleter_push(struct deleter *dl, const char *hostif, const char *netns)
{
	struct job *j = xcalloc(1, sizeof(*j));
	snprintf(j->hostif, sizeof(j->hostif), "%s", hostif);
	j->netns = xstrdup(netns);
	pthread_mutex_lock(&dl->lock);
	if (dl->tail)
		dl->tail->next = j;
	else
		dl->head = j;
	dl->tail = j;
	pthread_cond_broadcast(&dl->cond);
	pthread_mutex_unlock(&dl->lock);
}

static bool pending(struct deleter *dl, const char *netns)
{
	if (dl->running && (!netns || strcmp(dl->running->netns, netns) == 0))
		return true;
	for (struct job *j = dl->head; j; j = j->next)
		if (!netns || strcmp(j->netns, netns) == 0)
			return true;
	return false;
}

void deleter_wait(struct deleter *dl, const char *netns)
{
	pthread_mutex_lock(&dl->lock);
	while (pending(dl, netns))
		pthread_cond_wait(&dl->cond, &dl->lock);
	pthread_mutex_unlock(&dl->lock);
}

void deleter_free(struct deleter *dl)
{
	if (!dl)
		return;
	pthread_mutex_lock(&dl->lock);
	dl->stop = true; /* the worker drains the queue first */
	pthread_cond_broadcast(&dl->cond);
	pthread_mutex_unlock(&dl->lock);
	pthread_join(dl->thread, NULL);
	pthread_mutex_destroy(&dl->lock);
	pthread_cond_destroy(&dl->cond);
	nl_close(dl->nl);
	free(dl);
}
