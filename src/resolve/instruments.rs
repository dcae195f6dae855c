//! Instruments: metadata, parties with dates, provisions and defences, incorporation (`from`,
//! `incorporates`), and the check that every referenced exception exists and has the right kind.

use super::{DefenceKindOrProvision, Resolver, block_of};
use crate::date::Date;
use crate::diag::{Diag, did_you_mean};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::{ArticleBlock, Ident, QRef, Stmt, StmtKind, Value};

/// An article block waiting to be resolved (it may copy another that is not resolved yet).
struct Pending<'a> {
    inst: String,
    block: &'a ArticleBlock,
    what: DefenceKindOrProvision,
    done: bool,
}

/// A reference to check once every instrument is complete.
struct RefCheck {
    r: DefRef,
    span: Span,
    expected: DefenceKind,
}

impl<'a> Resolver<'a> {
    pub(super) fn resolve_instruments(&mut self) {
        let asts: Vec<(String, &'a Stmt)> = self
            .instruments_ast
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let mut pending: Vec<Pending<'a>> = Vec::new();
        let mut incorporations: Vec<(String, Ident, bool)> = Vec::new();
        for (id, stmt) in &asts {
            let StmtKind::Instrument { title, body, .. } = &stmt.kind else {
                continue;
            };
            let inst = self.instrument_header(id, &title.value, body, stmt.span);
            self.model.to_mut().instruments.insert(id.clone(), inst);
            for s in body {
                if let Some((block, what)) = block_of(s) {
                    pending.push(Pending {
                        inst: id.clone(),
                        block,
                        what,
                        done: false,
                    });
                } else if let StmtKind::Incorporates { id: src } = &s.kind {
                    incorporations.push((id.clone(), src.clone(), false));
                }
            }
        }

        let mut refs: Vec<RefCheck> = Vec::new();
        // Resolve in rounds: an item that copies another waits until its source is resolved.
        loop {
            let mut progress = false;
            for p in pending.iter_mut() {
                if p.done {
                    continue;
                }
                let ready = match &p.block.from {
                    None => true,
                    Some(q) => {
                        let src = q
                            .instrument
                            .as_ref()
                            .map_or(p.inst.clone(), |x| x.name.clone());
                        self.item_exists(&src, &q.article.value, p.what)
                    }
                };
                if ready {
                    self.article(&p.inst, p.block, p.what, &mut refs);
                    p.done = true;
                    progress = true;
                }
            }
            for k in 0..incorporations.len() {
                if incorporations[k].2 {
                    continue;
                }
                let src = incorporations[k].1.name.clone();
                let src_ready = !pending.iter().any(|p| p.inst == src && !p.done)
                    && !incorporations.iter().any(|(i, _, d)| *i == src && !d);
                if src_ready || !self.model.instruments.contains_key(&src) {
                    let (inst, src_id) = (incorporations[k].0.clone(), incorporations[k].1.clone());
                    self.incorporate(&inst, &src_id);
                    incorporations[k].2 = true;
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        // Whatever is left refers to something that does not exist, or to itself.
        for p in pending.iter().filter(|p| !p.done) {
            let Some(q) = &p.block.from else { continue };
            self.missing_source_item(&p.inst, q, p.what);
        }
        for (inst, src, done) in &incorporations {
            if !done {
                self.err(
                    Diag::error(
                        "policyspace::resolve::incorporation_cycle",
                        format!("`{inst}` and `{}` incorporate each other", src.name),
                    )
                    .label(src.span, "this incorporation closes a cycle")
                    .help("an instrument cannot incorporate, directly or indirectly, itself"),
                );
            }
        }
        self.check_refs(refs);
    }

    fn item_exists(&self, inst: &str, label: &str, what: DefenceKindOrProvision) -> bool {
        self.model
            .instruments
            .get(inst)
            .is_some_and(|i| match what {
                DefenceKindOrProvision::Provision => i.provisions.contains_key(label),
                DefenceKindOrProvision::Defence(_) => i.defences.contains_key(label),
            })
    }

    fn missing_source_item(&mut self, inst: &str, q: &QRef, what: DefenceKindOrProvision) {
        let src = q
            .instrument
            .as_ref()
            .map_or(inst.to_string(), |x| x.name.clone());
        match self.model.instruments.get(&src) {
            None => {
                if let Some(i) = &q.instrument {
                    let c = self.model.instruments.keys().cloned().collect();
                    self.unknown_instrument(i, c);
                }
            }
            Some(s) => {
                let labels: Vec<String> = match what {
                    DefenceKindOrProvision::Provision => s.provisions.keys().cloned().collect(),
                    DefenceKindOrProvision::Defence(_) => s.defences.keys().cloned().collect(),
                };
                if labels.contains(&q.article.value) {
                    self.err(
                        Diag::error(
                            "policyspace::resolve::incorporation_cycle",
                            format!(
                                "`{}` is copied from itself through a cycle",
                                q.article.value
                            ),
                        )
                        .label(q.span, "this `from` closes a cycle")
                        .help("a provision cannot be copied, directly or indirectly, from itself"),
                    );
                } else {
                    self.unknown_article(&src, q, &labels, what);
                }
            }
        }
    }

    pub(super) fn unknown_instrument(&mut self, i: &Ident, candidates: Vec<String>) {
        let hint = did_you_mean(&i.name, candidates.iter().map(String::as_str));
        self.err(
            Diag::error(
                "policyspace::resolve::unknown_instrument",
                format!("unknown instrument `{}`", i.name),
            )
            .label(i.span, "no instrument of this name")
            .help(match hint {
                Some(h) => format!("did you mean `{h}`?"),
                None => {
                    "instrument ids are defined with `instrument <id> \"<title>\" { ... }`".into()
                }
            }),
        );
    }

    fn unknown_article(
        &mut self,
        inst: &str,
        q: &QRef,
        labels: &[String],
        what: DefenceKindOrProvision,
    ) {
        let hint = did_you_mean(&q.article.value, labels.iter().map(String::as_str));
        let what_s = match what {
            DefenceKindOrProvision::Provision => "provision",
            DefenceKindOrProvision::Defence(_) => "exception, carve-out or condition",
        };
        self.err(
            Diag::error("policyspace::resolve::unknown_article", format!("`{inst}` has no {what_s} \"{}\"", q.article.value))
                .label(q.span, format!("no {what_s} with this label"))
                .help(match hint {
                    Some(h) => format!("did you mean \"{h}\"? Labels are written exactly as the instrument numbers them"),
                    None if labels.is_empty() => format!("`{inst}` defines no {what_s}"),
                    None => format!("labels in `{inst}`: {}", abbreviate(labels)),
                }),
        );
    }

    /// Metadata and parties of an instrument (provisions come later).
    fn instrument_header(
        &mut self,
        id: &str,
        title: &str,
        body: &[Stmt],
        span: Span,
    ) -> Instrument {
        let mut inst = Instrument {
            id: id.to_string(),
            title: title.to_string(),
            kind: InstrumentKind::Bilateral,
            binding: true,
            cite: title.to_string(),
            source: None,
            notes: Vec::new(),
            signed: None,
            in_force: None,
            terminated: None,
            survival_years: None,
            partners: PartnersMode::All,
            enforcement: None,
            caveat: None,
            parties: Map::default(),
            provisions: Map::default(),
            defences: Map::default(),
            draft: false,
            span,
        };
        let mut kind_seen = false;
        let mut binding_seen = false;
        let mut partners_seen = false;
        let mut date_spans: [Option<Span>; 3] = [None; 3];
        for s in body {
            match &s.kind {
                StmtKind::Kind { value } => {
                    kind_seen = true;
                    match InstrumentKind::parse(&value.name) {
                        Some(k) => inst.kind = k,
                        None => self.bad_kind(value),
                    }
                }
                StmtKind::Binding { value } => {
                    inst.binding = *value;
                    binding_seen = true;
                }
                StmtKind::Cite { text } => inst.cite = text.value.clone(),
                StmtKind::Source { text } => inst.source = Some(text.value.clone()),
                StmtKind::Note { text } => inst.notes.push(text.value.clone()),
                StmtKind::Signed { date } => {
                    inst.signed = self.date(date);
                    date_spans[0] = Some(date.span);
                }
                StmtKind::InForce { date } => {
                    inst.in_force = self.date(date);
                    date_spans[1] = Some(date.span);
                }
                StmtKind::Terminated { date } => {
                    inst.terminated = self.date(date);
                    date_spans[2] = Some(date.span);
                }
                StmtKind::Survival { years } => {
                    if years.value < 0.0 || years.percent {
                        self.err(
                            Diag::error(
                                "policyspace::resolve::bad_survival",
                                "a survival period is a non-negative number of years",
                            )
                            .label(years.span, "not a number of years")
                            .help("write e.g. `survival 15 years`"),
                        );
                    } else {
                        inst.survival_years = Some(years.value);
                    }
                }
                StmtKind::Partners { mode } => {
                    partners_seen = true;
                    inst.partners = match mode.name.as_str() {
                        "none" => PartnersMode::None,
                        "investors" => PartnersMode::Investors,
                        _ => PartnersMode::All,
                    }
                }
                StmtKind::Enforcement { mode } => inst.enforcement = Enforcement::parse(&mode.name),
                StmtKind::Confidence { level, reason } => {
                    inst.caveat = caveat(level, reason.as_ref().map(|r| r.value.clone()), s.span)
                }
                _ => {}
            }
        }
        if !kind_seen {
            self.err(
                Diag::error(
                    "policyspace::resolve::missing_kind",
                    format!("instrument `{id}` has no `kind`"),
                )
                .label(span, "no `kind`")
                .help(format!(
                    "add `kind <kind>`, one of: {}",
                    InstrumentKind::NAMES.join(", ")
                )),
            );
        }
        if !binding_seen {
            inst.binding = !matches!(inst.kind, InstrumentKind::Mou | InstrumentKind::ModelText);
        }
        if !partners_seen {
            inst.partners = match inst.kind {
                InstrumentKind::Multilateral | InstrumentKind::AccessionProtocol => {
                    PartnersMode::None
                }
                _ => PartnersMode::All,
            };
        }
        if inst.kind == InstrumentKind::Mou
            && inst.binding
            && let Some(s) = body
                .iter()
                .find(|s| matches!(s.kind, StmtKind::Binding { .. }))
        {
            self.err(
                    Diag::warning("policyspace::lint::binding_mou", format!("`{id}` is an MOU declared binding"))
                        .label(s.span, "an MOU is usually not binding")
                        .help("check the instrument's text; use `kind bilateral` or another kind if it creates legal obligations"),
                );
        }
        self.check_date_order(inst.signed, inst.in_force, inst.terminated, date_spans, id);
        self.parties(&mut inst, body);
        inst
    }

    fn bad_kind(&mut self, value: &Ident) {
        let hint = did_you_mean(&value.name, InstrumentKind::NAMES.iter().copied());
        self.err(
            Diag::error(
                "policyspace::resolve::unknown_instrument_kind",
                format!("`{}` is not a kind of instrument", value.name),
            )
            .label(value.span, "unknown kind")
            .help(match hint {
                Some(h) => format!("did you mean `{h}`?"),
                None => format!("use one of: {}", InstrumentKind::NAMES.join(", ")),
            }),
        );
    }

    fn check_date_order(
        &mut self,
        signed: Option<Date>,
        in_force: Option<Date>,
        terminated: Option<Date>,
        spans: [Option<Span>; 3],
        who: &str,
    ) {
        if let (Some(e), Some(t), Some(ts), Some(es)) = (in_force, terminated, spans[2], spans[1])
            && t < e
        {
            self.err(
                    Diag::error("policyspace::resolve::termination_before_entry_into_force", format!("`{who}` is terminated on {t}, before it entered into force on {e}"))
                        .label(ts, "terminated here")
                        .label(es, "in force from here")
                        .help("check both dates against the source: termination cannot precede entry into force"),
                );
        }
        if let (Some(s), Some(e), Some(ss), Some(es)) = (signed, in_force, spans[0], spans[1])
            && e < s
        {
            self.err(
                Diag::error(
                    "policyspace::resolve::entry_into_force_before_signature",
                    format!("`{who}` enters into force on {e}, before it was signed on {s}"),
                )
                .label(es, "in force from here")
                .label(ss, "signed here")
                .help("check both dates against the source"),
            );
        }
    }

    fn parties(&mut self, inst: &mut Instrument, body: &[Stmt]) {
        for s in body {
            let StmtKind::Parties { parties } = &s.kind else {
                continue;
            };
            for p in parties {
                let Some(r) = self.country_ref(p) else {
                    continue;
                };
                match r {
                    CountryRef::Code(code) => {
                        if inst.parties.contains_key(&code) {
                            self.err(
                                Diag::warning(
                                    "policyspace::lint::duplicate_party",
                                    format!("`{code}` is listed twice as a party of `{}`", inst.id),
                                )
                                .label(p.span, "listed again")
                                .help("remove the duplicate"),
                            );
                        }
                        inst.parties.insert(
                            code.clone(),
                            Party {
                                code,
                                signed: inst.signed,
                                in_force: inst.in_force,
                                terminated: inst.terminated,
                                via: None,
                                span: p.span,
                            },
                        );
                    }
                    CountryRef::Group(g) => {
                        let members: Vec<(String, Vec<Interval>)> = self
                            .model
                            .groups
                            .get(&g)
                            .map(|grp| {
                                grp.members
                                    .iter()
                                    .map(|(c, iv)| (c.clone(), iv.clone()))
                                    .collect()
                            })
                            .unwrap_or_default();
                        for (code, ivs) in members {
                            // Earliest start and latest end over the member's intervals.
                            let since = if ivs.iter().any(|i| i.since.is_none()) {
                                None
                            } else {
                                ivs.iter().filter_map(|i| i.since).min()
                            };
                            let until = if ivs.iter().any(|i| i.until.is_none()) {
                                None
                            } else {
                                ivs.iter().filter_map(|i| i.until).max()
                            };
                            inst.parties.insert(
                                code.clone(),
                                Party {
                                    code,
                                    signed: inst.signed,
                                    in_force: later(inst.in_force, since),
                                    terminated: earlier(inst.terminated, until),
                                    via: Some(g.clone()),
                                    span: p.span,
                                },
                            );
                        }
                    }
                }
            }
        }
        for s in body {
            let StmtKind::Party { code, attrs } = &s.kind else {
                continue;
            };
            if !self.country(code) {
                continue;
            }
            let mut party = inst.parties.get(&code.name).cloned().unwrap_or(Party {
                code: code.name.clone(),
                signed: inst.signed,
                in_force: inst.in_force,
                terminated: inst.terminated,
                via: None,
                span: code.span,
            });
            party.span = code.span;
            let mut spans: [Option<Span>; 3] = [None; 3];
            for a in attrs {
                let Value::Date(d) = &a.value else { continue };
                let date = self.date(d);
                match a.key.name.as_str() {
                    "signed" => {
                        party.signed = date;
                        spans[0] = Some(d.span);
                    }
                    "in-force" => {
                        party.in_force = date;
                        spans[1] = Some(d.span);
                    }
                    "terminated" => {
                        party.terminated = date;
                        spans[2] = Some(d.span);
                    }
                    _ => {}
                }
            }
            let who = format!("{} for {}", inst.id, code.name);
            self.check_date_order(party.signed, party.in_force, party.terminated, spans, &who);
            inst.parties.insert(code.name.clone(), party);
        }
        if inst.kind == InstrumentKind::ModelText && !inst.parties.is_empty() {
            self.err(
                Diag::warning("policyspace::lint::model_text_parties", format!("model text `{}` has parties", inst.id))
                    .label(inst.span, "a model text binds no one")
                    .help("encode each treaty that follows the model as its own instrument, reusing clauses with `from`"),
            );
        }
    }

    /// Resolve one provision, exception, carve-out or condition into its instrument.
    fn article(
        &mut self,
        inst_id: &str,
        b: &ArticleBlock,
        what: DefenceKindOrProvision,
        refs: &mut Vec<RefCheck>,
    ) {
        let label = b.label.value.clone();
        if label.trim().is_empty() {
            self.err(
                Diag::error(
                    "policyspace::resolve::empty_label",
                    "an article label cannot be empty",
                )
                .label(b.label.span, "empty label")
                .help(
                    "write the label exactly as the instrument numbers the article, e.g. \"XI:1\"",
                ),
            );
            return;
        }
        let from = b.from.as_ref().map(|q| {
            DefRef::new(
                q.instrument
                    .as_ref()
                    .map_or(inst_id.to_string(), |i| i.name.clone()),
                q.article.value.clone(),
            )
        });
        // Duplicate labels within the instrument.
        let first = self
            .model
            .instruments
            .get(inst_id)
            .and_then(|i| match what {
                DefenceKindOrProvision::Provision => i.provisions.get(&label).map(|p| p.span),
                DefenceKindOrProvision::Defence(_) => i.defences.get(&label).map(|d| d.span),
            });
        if let Some(first) = first {
            self.err(
                Diag::error(
                    "policyspace::resolve::duplicate_definition",
                    format!("\"{label}\" is defined twice in `{inst_id}`"),
                )
                .label(b.label.span, "defined again here")
                .label(first, "first defined here")
                .help("article labels must be unique within an instrument"),
            );
            return;
        }
        match what {
            DefenceKindOrProvision::Provision => {
                let base = from
                    .as_ref()
                    .and_then(|f| self.model.instruments.get(&f.instrument))
                    .and_then(|i| {
                        i.provisions
                            .get(&from.as_ref().map_or(String::new(), |f| f.label.clone()))
                    })
                    .cloned();
                let p = self.provision(inst_id, b, base, from, refs);
                if let Some(i) = self.model.to_mut().instruments.get_mut(inst_id) {
                    i.provisions.insert(label, p);
                }
            }
            DefenceKindOrProvision::Defence(kind) => {
                let base = from
                    .as_ref()
                    .and_then(|f| self.model.instruments.get(&f.instrument))
                    .and_then(|i| {
                        i.defences
                            .get(&from.as_ref().map_or(String::new(), |f| f.label.clone()))
                    })
                    .cloned();
                if let (Some(bd), Some(q)) = (&base, &b.from)
                    && bd.kind != kind
                {
                    self.err(
                        Diag::error(
                            "policyspace::resolve::wrong_defence_kind",
                            format!(
                                "{} cannot be copied from {}",
                                with_article(kind.as_str()),
                                with_article(bd.kind.as_str())
                            ),
                        )
                        .label(
                            q.span,
                            format!("this is {}", with_article(bd.kind.as_str())),
                        )
                        .help(format!(
                            "copy it as `{} \"{}\" from ...`",
                            bd.kind.as_str(),
                            label
                        )),
                    );
                }
                let d = self.defence(inst_id, b, kind, base, from, refs);
                if let Some(i) = self.model.to_mut().instruments.get_mut(inst_id) {
                    i.defences.insert(label, d);
                }
            }
        }
    }

    fn qualify(&mut self, inst_id: &str, q: &QRef) -> DefRef {
        DefRef::new(
            q.instrument
                .as_ref()
                .map_or(inst_id.to_string(), |i| i.name.clone()),
            q.article.value.clone(),
        )
    }

    /// Qualify a list of references and record them for the check that they exist with the
    /// expected kind once every instrument is complete.
    fn refs(
        &mut self,
        inst_id: &str,
        rs: &[QRef],
        expected: DefenceKind,
        checks: &mut Vec<RefCheck>,
    ) -> Vec<DefRef> {
        rs.iter()
            .map(|q| {
                let r = self.qualify(inst_id, q);
                checks.push(RefCheck {
                    r: r.clone(),
                    span: q.span,
                    expected,
                });
                r
            })
            .collect()
    }

    fn provision(
        &mut self,
        inst_id: &str,
        b: &ArticleBlock,
        base: Option<Provision>,
        from: Option<DefRef>,
        refs: &mut Vec<RefCheck>,
    ) -> Provision {
        let mut p = base.unwrap_or(Provision {
            instrument: inst_id.to_string(),
            label: String::new(),
            title: None,
            source: None,
            text: None,
            notes: Vec::new(),
            caveat: None,
            enforcement: None,
            prohibits: Vec::new(),
            permits: Vec::new(),
            cap: None,
            scope: None,
            requires: None,
            carve_outs: Vec::new(),
            exceptions: Vec::new(),
            from: None,
            incorporated: false,
            span: b.label.span,
        });
        let inherited = from.is_some();
        p.incorporated = false;
        p.instrument = inst_id.to_string();
        p.label = b.label.value.clone();
        p.span = b.label.span;
        p.from = from;
        if let Some(t) = &b.title {
            p.title = Some(t.value.clone());
        }
        if inherited {
            // The copy cites its own source; the original's notes stay with the original.
            p.source = None;
            p.notes.clear();
            // Inherited references still need checking (they were checked on the original).
        }
        for s in &b.body {
            match &s.kind {
                StmtKind::Source { text } => p.source = Some(text.value.clone()),
                StmtKind::Text { text } => p.text = Some(text.value.clone()),
                StmtKind::Note { text } => p.notes.push(text.value.clone()),
                StmtKind::Confidence { level, reason } => {
                    p.caveat = caveat(level, reason.as_ref().map(|r| r.value.clone()), s.span)
                }
                StmtKind::Enforcement { mode } => p.enforcement = Enforcement::parse(&mode.name),
                StmtKind::Prohibits { kinds } => p.prohibits = self.kind_list(kinds),
                StmtKind::Permits { kinds } => p.permits = self.kind_list(kinds),
                StmtKind::Cap { kind, body } => p.cap = self.cap(kind, body),
                StmtKind::Scope { expr } => {
                    if let Some(c) = self.cond(expr) {
                        p.scope = Some(conjoin(p.scope.take(), c));
                    }
                }
                StmtKind::Requires { expr } => {
                    if let Some(c) = self.cond(expr) {
                        p.requires = Some(conjoin(p.requires.take(), c));
                    }
                }
                StmtKind::CarveOuts { refs: rs } => {
                    p.carve_outs = self.refs(inst_id, rs, DefenceKind::CarveOut, refs);
                }
                StmtKind::Exceptions { refs: rs } => {
                    p.exceptions = self.refs(inst_id, rs, DefenceKind::Exception, refs);
                }
                _ => {}
            }
        }
        if p.prohibits.is_empty()
            && p.permits.is_empty()
            && p.cap.is_none()
            && !b.body.iter().any(|s| {
                matches!(
                    s.kind,
                    StmtKind::Prohibits { .. } | StmtKind::Permits { .. } | StmtKind::Cap { .. }
                )
            })
        {
            self.err(
                Diag::error("policyspace::resolve::provision_without_obligation", format!("provision \"{}\" of `{inst_id}` neither prohibits, permits nor caps anything", p.label))
                    .label(b.label.span, "no obligation")
                    .help("add `prohibits [...]`, `permits [...]` or `cap <kind> { ... }`; a provision that only informs belongs in a `note`"),
            );
        }
        p
    }

    fn defence(
        &mut self,
        inst_id: &str,
        b: &ArticleBlock,
        kind: DefenceKind,
        base: Option<Defence>,
        from: Option<DefRef>,
        refs: &mut Vec<RefCheck>,
    ) -> Defence {
        let mut d = base.unwrap_or(Defence {
            instrument: inst_id.to_string(),
            label: String::new(),
            kind,
            title: None,
            source: None,
            caveat: None,
            requires: None,
            subject_to: Vec::new(),
            from: None,
            incorporated: false,
            span: b.label.span,
        });
        let inherited = from.is_some();
        d.incorporated = false;
        d.instrument = inst_id.to_string();
        d.label = b.label.value.clone();
        d.kind = kind;
        d.span = b.label.span;
        d.from = from;
        if inherited {
            d.source = None;
        }
        if let Some(t) = &b.title {
            d.title = Some(t.value.clone());
        }
        for s in &b.body {
            match &s.kind {
                StmtKind::Source { text } => d.source = Some(text.value.clone()),
                StmtKind::Confidence { level, reason } => {
                    d.caveat = caveat(level, reason.as_ref().map(|r| r.value.clone()), s.span)
                }
                StmtKind::Requires { expr } => {
                    if let Some(c) = self.cond(expr) {
                        d.requires = Some(conjoin(d.requires.take(), c));
                    }
                }
                StmtKind::SubjectTo { refs: rs } => {
                    d.subject_to = self.refs(inst_id, rs, DefenceKind::Condition, refs);
                }
                _ => {}
            }
        }
        if d.requires.is_none()
            && !b
                .body
                .iter()
                .any(|s| matches!(s.kind, StmtKind::Requires { .. }))
        {
            self.err(
                Diag::error(
                    "policyspace::resolve::defence_without_condition",
                    format!(
                        "{} \"{}\" of `{inst_id}` states no condition",
                        kind.as_str(),
                        d.label
                    ),
                )
                .label(b.label.span, "no `requires`")
                .help("add `requires <condition>`: the elements that must be shown for it to hold"),
            );
        }
        d
    }

    fn kind_list(&mut self, kinds: &[Ident]) -> Vec<String> {
        kinds
            .iter()
            .filter(|k| self.kind_ref(k))
            .map(|k| k.name.clone())
            .collect()
    }

    fn cap(&mut self, kind: &Ident, body: &[Stmt]) -> Option<Cap> {
        if !self.kind_ref(kind) {
            return None;
        }
        let mut cap = Cap {
            kind: kind.name.clone(),
            default: None,
            lines: Vec::new(),
        };
        for s in body {
            match &s.kind {
                StmtKind::Default { rate } => cap.default = Some(rate.value),
                StmtKind::Line {
                    hs,
                    rate: Some(rate),
                    label,
                } => {
                    if rate.value < 0.0 {
                        self.err(
                            Diag::error(
                                "policyspace::resolve::negative_rate",
                                "a maximum rate cannot be negative",
                            )
                            .label(rate.span, "negative")
                            .help("write the maximum rate as a percentage, e.g. 15"),
                        );
                    }
                    if let Some(code) = self.hs_code(hs) {
                        if cap.lines.iter().any(|(c, _, _)| *c == code) {
                            self.err(
                                Diag::error(
                                    "policyspace::resolve::duplicate_definition",
                                    format!("HS line `{code}` has two maximum rates"),
                                )
                                .label(hs.span, "listed again")
                                .help("keep one rate per line"),
                            );
                            continue;
                        }
                        cap.lines
                            .push((code, rate.value, label.as_ref().map(|l| l.value.clone())));
                    }
                }
                _ => {}
            }
        }
        // Longest prefix first, then by code, so lookups take the most specific line.
        cap.lines
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Some(cap)
    }

    /// `incorporates src`: copy every provision and defence of `src` that `inst` does not define
    /// itself, with references into `src` pointing at the copies.
    fn incorporate(&mut self, inst_id: &str, src: &Ident) {
        let Some(source) = self.model.instruments.get(&src.name).cloned() else {
            let c = self.model.instruments.keys().cloned().collect();
            self.unknown_instrument(src, c);
            return;
        };
        if src.name == inst_id {
            self.err(
                Diag::error(
                    "policyspace::resolve::incorporation_cycle",
                    format!("`{inst_id}` incorporates itself"),
                )
                .label(src.span, "remove this")
                .help("an instrument cannot incorporate itself"),
            );
            return;
        }
        let remap = |r: &DefRef| -> DefRef {
            if r.instrument == source.id {
                DefRef::new(inst_id.to_string(), r.label.clone())
            } else {
                r.clone()
            }
        };
        let Some(inst) = self.model.to_mut().instruments.get_mut(inst_id) else {
            return;
        };
        for (label, p) in &source.provisions {
            if inst.provisions.contains_key(label) {
                continue;
            }
            let mut c = p.clone();
            c.instrument = inst_id.to_string();
            c.from = Some(DefRef::new(source.id.clone(), label.clone()));
            c.carve_outs = c.carve_outs.iter().map(remap).collect();
            c.exceptions = c.exceptions.iter().map(remap).collect();
            c.incorporated = true;
            c.span = src.span;
            inst.provisions.insert(label.clone(), c);
        }
        for (label, d) in &source.defences {
            if inst.defences.contains_key(label) {
                continue;
            }
            let mut c = d.clone();
            c.instrument = inst_id.to_string();
            c.from = Some(DefRef::new(source.id.clone(), label.clone()));
            c.subject_to = c.subject_to.iter().map(remap).collect();
            c.incorporated = true;
            c.span = src.span;
            inst.defences.insert(label.clone(), c);
        }
    }

    fn check_refs(&mut self, refs: Vec<RefCheck>) {
        for rc in refs {
            let Some(inst) = self.model.instruments.get(&rc.r.instrument) else {
                let c = self.model.instruments.keys().cloned().collect();
                self.unknown_instrument(
                    &Ident {
                        name: rc.r.instrument.clone(),
                        span: rc.span,
                    },
                    c,
                );
                continue;
            };
            match inst.defences.get(&rc.r.label) {
                Some(d) if d.kind == rc.expected => {}
                Some(d) => {
                    let found = d.kind;
                    let list = match rc.expected {
                        DefenceKind::Exception => "`exceptions`",
                        DefenceKind::CarveOut => "`carve-outs`",
                        DefenceKind::Condition => "`subject-to`",
                    };
                    let right = match found {
                        DefenceKind::Exception => "`exceptions [...]`",
                        DefenceKind::CarveOut => "`carve-outs [...]`",
                        DefenceKind::Condition => "`subject-to [...]` of an exception",
                    };
                    self.err(
                        Diag::error(
                            "policyspace::resolve::wrong_defence_kind",
                            format!(
                                "\"{}\" is {}, but it is listed in {list}",
                                rc.r.label,
                                with_article(found.as_str())
                            ),
                        )
                        .label(
                            rc.span,
                            format!("expected {}", with_article(rc.expected.as_str())),
                        )
                        .label(
                            d.span,
                            format!("defined as {}", with_article(found.as_str())),
                        )
                        .help(format!(
                            "list it in {right}, or define it as {}",
                            with_article(rc.expected.as_str())
                        )),
                    );
                }
                None => {
                    let labels: Vec<String> = inst
                        .defences
                        .iter()
                        .filter(|(_, d)| d.kind == rc.expected)
                        .map(|(l, _)| l.clone())
                        .collect();
                    let id = inst.id.clone();
                    let q = QRef {
                        instrument: None,
                        article: crate::syntax::ast::Str {
                            value: rc.r.label.clone(),
                            span: rc.span,
                        },
                        span: rc.span,
                    };
                    self.unknown_article(
                        &id,
                        &q,
                        &labels,
                        DefenceKindOrProvision::Defence(rc.expected),
                    );
                }
            }
        }
    }
}

/// "an exception", "a carve-out".
fn with_article(noun: &str) -> String {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {noun}")
    } else {
        format!("a {noun}")
    }
}

fn caveat(level: &Ident, reason: Option<String>, span: Span) -> Option<Caveat> {
    Confidence::parse(&level.name).map(|level| Caveat {
        level,
        reason,
        span,
    })
}

/// `a and b`, keeping the text of both for traces.
fn conjoin(a: Option<Cond>, b: Cond) -> Cond {
    match a {
        None => b,
        Some(a) => Cond {
            text: format!("({}) and ({})", a.text, b.text),
            span: b.span,
            kind: CondKind::And(vec![a, b]),
        },
    }
}

fn later(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn earlier(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn abbreviate(labels: &[String]) -> String {
    let shown: Vec<String> = labels.iter().take(12).map(|l| format!("\"{l}\"")).collect();
    if labels.len() > 12 {
        format!("{} and {} more", shown.join(", "), labels.len() - 12)
    } else {
        shown.join(", ")
    }
}
