//! Queues: waiting callers and members.

use std::sync::Arc;

use imbl::Vector;

use super::Model;
use crate::change::Change;
use crate::state::{Queue, QueueCaller, QueueMember, Str};

impl Model {
    pub(super) fn queue_mut(&mut self, name: &Str) -> &mut Queue {
        if !self.state.queues.contains_key(name) {
            self.state.queues.insert(
                name.clone(),
                Arc::new(Queue {
                    name: name.clone(),
                    ..Queue::default()
                }),
            );
            self.out.push(Change::QueueAdded {
                queue: name.clone(),
            });
        }
        Arc::make_mut(self.state.queues.get_mut(name).expect("inserted above"))
    }

    pub(super) fn queue_join(&mut self, name: Str, caller: QueueCaller) {
        let uid = caller.uniqueid.clone();
        let position = caller.position;
        if name.is_empty() || uid.is_empty() {
            return;
        }
        let q = self.queue_mut(&name);
        if q.callers.iter().any(|c| c.uniqueid == uid) {
            return;
        }
        let index = usize::try_from(position.saturating_sub(1))
            .unwrap_or(0)
            .min(q.callers.len());
        q.callers.insert(index, caller);
        renumber(&mut q.callers);
        let position = q.callers[index].position;
        self.emit(Change::QueueCallerJoined {
            queue: name,
            uniqueid: uid,
            position,
        });
    }

    pub(crate) fn queue_leave(&mut self, name: &Str, uid: &Str, abandoned: bool) {
        let Some(q) = self.state.queues.get_mut(name) else {
            return;
        };
        let Some(index) = q.callers.iter().position(|c| c.uniqueid == *uid) else {
            return;
        };
        let q = Arc::make_mut(q);
        q.callers.remove(index);
        renumber(&mut q.callers);
        self.emit(Change::QueueCallerLeft {
            queue: name.clone(),
            uniqueid: uid.clone(),
            abandoned,
        });
    }

    pub(crate) fn upsert_member(&mut self, queue: Str, member: QueueMember) {
        if queue.is_empty() || member.interface.is_empty() {
            return;
        }
        let interface = member.interface.clone();
        let q = self.queue_mut(&queue);
        let change = match q.members.get(&interface) {
            Some(old) if *old == member => return,
            Some(_) => Change::QueueMemberChanged { queue, interface },
            None => Change::QueueMemberAdded { queue, interface },
        };
        q.members.insert(member.interface.clone(), member);
        self.emit(change);
    }

    pub(super) fn remove_member(&mut self, queue: &Str, interface: &Str) {
        let Some(q) = self.state.queues.get_mut(queue) else {
            return;
        };
        if Arc::make_mut(q).members.remove(interface).is_some() {
            self.emit(Change::QueueMemberRemoved {
                queue: queue.clone(),
                interface: interface.clone(),
            });
        }
    }
}

/// Positions 1, 2, 3, ... in queue order.
fn renumber(callers: &mut Vector<QueueCaller>) {
    for (i, c) in callers.iter_mut().enumerate() {
        c.position = i as i64 + 1;
    }
}
