//! The rule language: a subset of CEL.
//!
//! ```text
//! expr    := or ("?" expr ":" expr)?
//! or      := and ("||" and)*
//! and     := rel ("&&" rel)*
//! rel     := add (("<" | "<=" | ">" | ">=" | "==" | "!=" | "in") add)?
//! add     := mul (("+" | "-") mul)*
//! mul     := unary (("*" | "/" | "%") unary)*
//! unary   := ("!" | "-") unary | primary
//! primary := INT | STRING | "true" | "false" | "[" (expr ("," expr)*)? "]"
//!          | IDENT ("." IDENT)* | ("min" | "max") "(" expr "," expr ")" | "(" expr ")"
//! ```
//!
//! Integers are whole numbers (money is rials); strings take '…' or "…". Every
//! error carries the character position it refers to and a message in Persian and
//! English, so a rule editor can point at it.

use std::fmt;

/// A span of characters in the rule's text: `start..end`, counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A problem in a rule, at a place in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub span: Span,
    pub message_en: String,
    pub message_fa: String,
}

impl RuleError {
    fn new(span: Span, en: impl Into<String>, fa: impl Into<String>) -> Self {
        Self { span, message_en: en.into(), message_fa: fa.into() }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.span.start, self.message_en)
    }
}

impl std::error::Error for RuleError {}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

/// A node of the syntax tree, with the span of text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    Int(i64),
    Str(String),
    Bool(bool),
    List(Vec<Expr>),
    /// A variable such as `person.age`, as its dotted path.
    Var(String),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `min(a, b)` (`true`) or `max(a, b)` (`false`) of two numbers.
    MinMax(bool, Box<Expr>, Box<Expr>),
    /// `has(person.income)`: whether the variable has a value (never unknown).
    Has(String),
}

impl Expr {
    /// The rule as text, every operation in parentheses: what a clause shows in an
    /// explanation, and what parses back to the same tree.
    pub fn to_text(&self) -> String {
        match &self.kind {
            ExprKind::Int(n) => n.to_string(),
            ExprKind::Str(s) => format!("\"{s}\""),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::List(items) => format!("[{}]", items.iter().map(Expr::to_text).collect::<Vec<_>>().join(", ")),
            ExprKind::Var(name) => name.clone(),
            ExprKind::Has(name) => format!("has({name})"),
            ExprKind::Not(inner) => format!("!({})", inner.to_text()),
            ExprKind::Neg(inner) => format!("-({})", inner.to_text()),
            ExprKind::Binary(op, l, r) => format!("({} {} {})", l.to_text(), op.symbol(), r.to_text()),
            ExprKind::Cond(c, y, n) => format!("({} ? {} : {})", c.to_text(), y.to_text(), n.to_text()),
            ExprKind::MinMax(min, a, b) => {
                format!("{}({}, {})", if *min { "min" } else { "max" }, a.to_text(), b.to_text())
            }
        }
    }

    /// The tree without its spans, to compare shapes.
    pub fn shape(&self) -> String {
        format!("{:?}", self.without_spans())
    }

    fn without_spans(&self) -> ExprKind {
        let strip = |e: &Expr| Box::new(Expr { kind: e.without_spans(), span: Span { start: 0, end: 0 } });
        match &self.kind {
            ExprKind::List(items) => ExprKind::List(items.iter().map(|e| *strip(e)).collect()),
            ExprKind::Not(i) => ExprKind::Not(strip(i)),
            ExprKind::Neg(i) => ExprKind::Neg(strip(i)),
            ExprKind::Binary(op, l, r) => ExprKind::Binary(*op, strip(l), strip(r)),
            ExprKind::Cond(c, y, n) => ExprKind::Cond(strip(c), strip(y), strip(n)),
            ExprKind::MinMax(min, a, b) => ExprKind::MinMax(*min, strip(a), strip(b)),
            other => other.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Int(i64),
    Str(String),
    Ident(String),
    Sym(&'static str),
    End,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

const SYMBOLS: [&str; 20] =
    ["||", "&&", "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "%", "!", "(", ")", "[", "]", ",", "."];

impl Lexer {
    fn tokens(text: &str) -> Result<Vec<(Token, Span)>, RuleError> {
        let mut lexer = Lexer { chars: text.chars().collect(), pos: 0 };
        let mut out = Vec::new();
        loop {
            while lexer.pos < lexer.chars.len() && lexer.chars[lexer.pos].is_whitespace() {
                lexer.pos += 1;
            }
            let start = lexer.pos;
            let Some(&c) = lexer.chars.get(lexer.pos) else {
                out.push((Token::End, Span { start, end: start }));
                return Ok(out);
            };
            let token = if digit(c).is_some() {
                let mut n: i64 = 0;
                while let Some(d) = lexer.chars.get(lexer.pos).copied().and_then(digit) {
                    n = n.checked_mul(10).and_then(|n| n.checked_add(i64::from(d))).ok_or_else(|| {
                        RuleError::new(
                            Span { start, end: lexer.pos + 1 },
                            "the number is too large",
                            "عدد بیش از اندازه بزرگ است",
                        )
                    })?;
                    lexer.pos += 1;
                }
                let next = |i: usize| lexer.chars.get(lexer.pos + i).copied();
                if matches!(next(0), Some('.' | '٫')) && next(1).and_then(digit).is_some() {
                    return Err(RuleError::new(
                        Span { start, end: lexer.pos + 2 },
                        "numbers are whole (rials, years, counts): there is no decimal point",
                        "عددها درست‌اند (ریال، سال، شمار): ممیز ندارند",
                    ));
                }
                if matches!(next(0), Some('٬' | '،')) && next(1).and_then(digit).is_some() {
                    return Err(thousands(Span { start, end: lexer.pos + 1 }));
                }
                Token::Int(n)
            } else if c == '"' || c == '\'' {
                lexer.pos += 1;
                let mut s = String::new();
                loop {
                    match lexer.chars.get(lexer.pos) {
                        None => {
                            return Err(RuleError::new(
                                Span { start, end: lexer.pos },
                                "the text is not closed with a quote",
                                "متن با گیومه بسته نشده است",
                            ));
                        }
                        Some(&q) if q == c => {
                            lexer.pos += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            lexer.pos += 1;
                        }
                    }
                }
                Token::Str(s)
            } else if c.is_alphabetic() || c == '_' {
                let mut s = String::new();
                while let Some(&ch) = lexer.chars.get(lexer.pos) {
                    if ch.is_alphanumeric() || ch == '_' {
                        s.push(ch);
                        lexer.pos += 1;
                    } else {
                        break;
                    }
                }
                Token::Ident(s)
            } else if let Some(sym) = SYMBOLS.iter().find(|s| lexer.starts_with(s)) {
                lexer.pos += sym.chars().count();
                Token::Sym(sym)
            } else if c == '?' || c == ':' {
                lexer.pos += 1;
                Token::Sym(if c == '?' { "?" } else { ":" })
            } else if c == '=' {
                return Err(RuleError::new(
                    Span { start, end: start + 1 },
                    "write == to compare (a single = is not an operator)",
                    "برای مقایسه == بنویسید (= تنها عملگر نیست)",
                ));
            } else {
                return Err(RuleError::new(
                    Span { start, end: start + 1 },
                    format!("unexpected character {c:?}"),
                    format!("نویسهٔ «{c}» اینجا معنا ندارد"),
                ));
            };
            out.push((token, Span { start, end: lexer.pos }));
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }
}

/// The value of a digit, ASCII, Persian (۰–۹) or Arabic-Indic (٠–٩).
fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '۰'..='۹' => Some(c as u32 - '۰' as u32),
        '٠'..='٩' => Some(c as u32 - '٠' as u32),
        _ => None,
    }
}

/// The error for a number written with thousands separators.
fn thousands(span: Span) -> RuleError {
    RuleError::new(
        span,
        "write numbers without thousands separators (30000000); a list of values goes in [ ]",
        "عدد را بی جداکنندهٔ هزارگان بنویسید (30000000)؛ فهرست مقدارها درون [ ] می‌آید",
    )
}

/// What is being parsed, to name it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// An eligibility rule (true/false).
    Rule,
    /// A benefit formula (rials).
    Formula,
}

impl Subject {
    fn en(self) -> &'static str {
        match self {
            Subject::Rule => "rule",
            Subject::Formula => "formula",
        }
    }

    fn fa(self) -> &'static str {
        match self {
            Subject::Rule => "قاعده",
            Subject::Formula => "فرمول",
        }
    }
}

struct Parser {
    tokens: Vec<(Token, Span)>,
    pos: usize,
    /// How deep the parser has descended (parentheses, `!`, `-`, conditionals).
    depth: usize,
    subject: Subject,
}

/// The longest rule or formula, in characters.
pub const MAX_LENGTH: usize = 4_000;
/// The deepest a rule may nest: parentheses, negations, and clauses in one chain
/// of `&&`, `||`, `+`… each count one level. Deeper trees would exhaust the stack
/// of every pass that walks them and SQLite's expression depth.
pub const MAX_DEPTH: usize = 64;
/// Parses a rule into its syntax tree, within the limits above.
pub fn parse(text: &str) -> Result<Expr, RuleError> {
    parse_as(text, Subject::Rule)
}

/// Parses a rule or a formula, naming it so in messages.
pub fn parse_as(text: &str, subject: Subject) -> Result<Expr, RuleError> {
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(RuleError::new(
            Span { start: MAX_LENGTH, end: length },
            format!("the {} is too long: at most {MAX_LENGTH} characters", subject.en()),
            format!(
                "{} بیش از اندازه بلند است: حداکثر {} نویسه",
                subject.fa(),
                crate::text::to_persian_digits(&MAX_LENGTH.to_string())
            ),
        ));
    }
    let mut parser = Parser { tokens: Lexer::tokens(text)?, pos: 0, depth: 0, subject };
    let expr = parser.expr()?;
    match parser.peek() {
        (Token::End, _) => Ok(expr),
        (token, span) => Err(parser.trailing(&token, span)),
    }
}

/// The error for nesting beyond [`MAX_DEPTH`] at `span`.
fn too_deep(span: Span) -> RuleError {
    RuleError::new(
        span,
        format!("this nests too deeply: at most {MAX_DEPTH} levels (write a long list of values as `in [...]`)"),
        format!(
            "اینجا بیش از اندازه تودرتو است: حداکثر {} سطح (فهرست بلند مقدارها را با `in [...]` بنویسید)",
            crate::text::to_persian_digits(&MAX_DEPTH.to_string())
        ),
    )
}

impl Parser {
    /// The error for a token after a complete expression, with the likely
    /// mistake named: words for operators, `between`, separators in numbers.
    fn trailing(&self, token: &Token, span: Span) -> RuleError {
        let previous = self.pos.checked_sub(1).map(|i| &self.tokens[i].0);
        match token {
            Token::Ident(w) if matches!(w.to_lowercase().as_str(), "and" | "or" | "not" | "و" | "یا") => {
                RuleError::new(
                    span,
                    format!("{w:?} is not an operator: write && for and, || for or, ! for not"),
                    format!("«{w}» عملگر نیست: «و» را && و «یا» را || و «نه» را ! بنویسید"),
                )
            }
            Token::Ident(w) if w.eq_ignore_ascii_case("between") => RuleError::new(
                span,
                "there is no between: write x >= a && x <= b",
                "between وجود ندارد: بنویسید x >= a && x <= b",
            ),
            Token::Sym(",") if matches!(previous, Some(Token::Int(_))) => thousands(span),
            Token::Ident(_) | Token::Int(_) | Token::Str(_) => RuleError::new(
                span,
                format!(
                    "an operator is missing before this (such as &&, ||, ==, >=), or the {} goes on after a complete expression",
                    self.subject.en()
                ),
                format!(
                    "پیش از این عملگری (مانند && یا || یا == یا >=) جا افتاده است، یا {} پس از یک عبارت کامل ادامه یافته است",
                    self.subject.fa()
                ),
            ),
            _ => RuleError::new(
                span,
                format!("the {} goes on after a complete expression", self.subject.en()),
                format!("پس از یک عبارت کامل، ادامهٔ {} معنا ندارد", self.subject.fa()),
            ),
        }
    }

    fn peek(&self) -> (Token, Span) {
        self.tokens[self.pos.min(self.tokens.len() - 1)].clone()
    }

    fn next(&mut self) -> (Token, Span) {
        let t = self.peek();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, sym: &str) -> bool {
        if matches!(self.peek().0, Token::Sym(s) if s == sym) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, sym: &'static str) -> Result<Span, RuleError> {
        let (token, span) = self.next();
        match token {
            Token::Sym(s) if s == sym => Ok(span),
            _ => Err(RuleError::new(span, format!("expected {sym:?} here"), format!("اینجا «{sym}» لازم است"))),
        }
    }

    fn expr(&mut self) -> Result<Expr, RuleError> {
        self.descend()?;
        let result = self.conditional();
        self.depth -= 1;
        result
    }

    /// One level deeper, refused beyond [`MAX_DEPTH`].
    fn descend(&mut self) -> Result<(), RuleError> {
        if self.depth >= MAX_DEPTH {
            return Err(too_deep(self.peek().1));
        }
        self.depth += 1;
        Ok(())
    }

    fn conditional(&mut self) -> Result<Expr, RuleError> {
        let cond = self.or()?;
        if self.eat("?") {
            let yes = self.expr()?;
            self.expect(":")?;
            let no = self.expr()?;
            let span = Span { start: cond.span.start, end: no.span.end };
            return Ok(Expr { kind: ExprKind::Cond(Box::new(cond), Box::new(yes), Box::new(no)), span });
        }
        Ok(cond)
    }

    fn binary_chain(
        &mut self,
        ops: &[(&str, BinaryOp)],
        next: fn(&mut Self) -> Result<Expr, RuleError>,
        once: bool,
    ) -> Result<Expr, RuleError> {
        let mut left = next(self)?;
        // Each clause of a chain is one level deeper in the tree (left to right).
        let mut clauses = 1;
        loop {
            let op = match self.peek().0 {
                Token::Sym(s) => ops.iter().find(|(sym, _)| *sym == s).map(|(_, op)| *op),
                Token::Ident(ref w) if w == "in" => ops.iter().find(|(sym, _)| *sym == "in").map(|(_, op)| *op),
                _ => None,
            };
            let Some(op) = op else { return Ok(left) };
            clauses += 1;
            if self.depth + clauses > MAX_DEPTH {
                return Err(too_deep(self.peek().1));
            }
            self.pos += 1;
            let right = next(self)?;
            let span = Span { start: left.span.start, end: right.span.end };
            left = Expr { kind: ExprKind::Binary(op, Box::new(left), Box::new(right)), span };
            if once {
                return Ok(left);
            }
        }
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        self.binary_chain(&[("||", BinaryOp::Or)], Self::and, false)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        self.binary_chain(&[("&&", BinaryOp::And)], Self::rel, false)
    }

    fn rel(&mut self) -> Result<Expr, RuleError> {
        let ops = [
            ("<=", BinaryOp::Le),
            (">=", BinaryOp::Ge),
            ("<", BinaryOp::Lt),
            (">", BinaryOp::Gt),
            ("==", BinaryOp::Eq),
            ("!=", BinaryOp::Ne),
            ("in", BinaryOp::In),
        ];
        self.binary_chain(&ops, Self::add, true)
    }

    fn add(&mut self) -> Result<Expr, RuleError> {
        self.binary_chain(&[("+", BinaryOp::Add), ("-", BinaryOp::Sub)], Self::mul, false)
    }

    fn mul(&mut self) -> Result<Expr, RuleError> {
        self.binary_chain(&[("*", BinaryOp::Mul), ("/", BinaryOp::Div), ("%", BinaryOp::Rem)], Self::unary, false)
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        let (token, span) = self.peek();
        match token {
            Token::Sym("!") => {
                self.pos += 1;
                self.descend()?;
                let inner = self.unary();
                self.depth -= 1;
                let inner = inner?;
                let span = Span { start: span.start, end: inner.span.end };
                Ok(Expr { kind: ExprKind::Not(Box::new(inner)), span })
            }
            Token::Sym("-") => {
                self.pos += 1;
                self.descend()?;
                let inner = self.unary();
                self.depth -= 1;
                let inner = inner?;
                let span = Span { start: span.start, end: inner.span.end };
                Ok(Expr { kind: ExprKind::Neg(Box::new(inner)), span })
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, RuleError> {
        let (token, span) = self.next();
        let kind = match token {
            Token::Int(n) => ExprKind::Int(n),
            Token::Str(s) => ExprKind::Str(s),
            Token::Ident(w) if w == "true" => ExprKind::Bool(true),
            Token::Ident(w) if w == "false" => ExprKind::Bool(false),
            Token::Ident(name) if (name == "min" || name == "max") && matches!(self.peek().0, Token::Sym("(")) => {
                self.pos += 1;
                let a = self.expr()?;
                self.expect(",")?;
                let b = self.expr()?;
                let close = self.expect(")")?;
                return Ok(Expr {
                    kind: ExprKind::MinMax(name == "min", Box::new(a), Box::new(b)),
                    span: Span { start: span.start, end: close.end },
                });
            }
            Token::Ident(name) if name == "has" && matches!(self.peek().0, Token::Sym("(")) => {
                self.pos += 1;
                let inner = self.primary()?;
                let close = self.expect(")")?;
                let ExprKind::Var(path) = inner.kind else {
                    return Err(RuleError::new(
                        inner.span,
                        "has() takes a field, such as has(person.income)",
                        "has() نام یک فیلد می‌گیرد، مانند has(person.income)",
                    ));
                };
                return Ok(Expr { kind: ExprKind::Has(path), span: Span { start: span.start, end: close.end } });
            }
            Token::Ident(name) if matches!(self.peek().0, Token::Sym("(")) => {
                return Err(RuleError::new(
                    span,
                    format!("there is no function {name:?}: the functions are min, max and has"),
                    format!("تابع «{name}» وجود ندارد: تابع‌ها min و max و has هستند"),
                ));
            }
            Token::Ident(w) if w == "null" => {
                return Err(RuleError::new(
                    span,
                    "there is no null: test whether a value is recorded with has(field)",
                    "null وجود ندارد: ثبت‌شدن یک مقدار را با has(فیلد) بسنجید",
                ));
            }
            Token::Ident(first) => {
                let mut path = first;
                let mut end = span.end;
                while self.eat(".") {
                    match self.next() {
                        (Token::Ident(part), s) => {
                            path.push('.');
                            path.push_str(&part);
                            end = s.end;
                        }
                        (_, s) => {
                            return Err(RuleError::new(
                                s,
                                "expected a field name after '.'",
                                "پس از «.» نام فیلد لازم است",
                            ));
                        }
                    }
                }
                return Ok(Expr { kind: ExprKind::Var(path), span: Span { start: span.start, end } });
            }
            Token::Sym("(") => {
                let inner = self.expr()?;
                let close = self.expect(")")?;
                return Ok(Expr { span: Span { start: span.start, end: close.end }, ..inner });
            }
            Token::Sym("[") => {
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.expr()?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                let end = self.tokens[self.pos.saturating_sub(1)].1.end;
                return Ok(Expr { kind: ExprKind::List(items), span: Span { start: span.start, end } });
            }
            Token::End => {
                return Err(RuleError::new(
                    span,
                    format!("the {} ends too early", self.subject.en()),
                    format!("{} ناتمام است", self.subject.fa()),
                ));
            }
            Token::Sym(s) => {
                return Err(RuleError::new(
                    span,
                    format!("{s:?} cannot start a value"),
                    format!("«{s}» نمی‌تواند آغاز یک مقدار باشد"),
                ));
            }
        };
        Ok(Expr { kind, span })
    }
}

/// The type of a value in a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Int,
    Str,
    Bool,
    IntList,
    StrList,
}

impl Type {
    pub fn name_en(self) -> &'static str {
        match self {
            Type::Int => "a number",
            Type::Str => "text",
            Type::Bool => "true/false",
            Type::IntList => "a list of numbers",
            Type::StrList => "a list of texts",
        }
    }

    pub fn name_fa(self) -> &'static str {
        match self {
            Type::Int => "عدد",
            Type::Str => "متن",
            Type::Bool => "درست/نادرست",
            Type::IntList => "فهرست عددها",
            Type::StrList => "فهرست متن‌ها",
        }
    }
}

/// A variable rules may use: its dotted name, type, meaning in both languages,
/// and the values it can take.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    pub name: &'static str,
    pub ty: Type,
    pub doc_en: &'static str,
    pub doc_fa: &'static str,
    pub domain: Domain,
}

/// The values a variable can take, as the store guarantees them (a value outside
/// is read as unknown): what literals compared with it are checked against, and
/// the bounds arithmetic is checked within.
#[derive(Debug, Clone, Copy)]
pub enum Domain {
    /// Any value of its type (true/false).
    Any,
    /// A whole number from the first to the second, inclusive.
    Range(i64, i64),
    /// One of a closed set of codes, each with its Persian label.
    Codes(fn() -> Vec<(&'static str, &'static str)>),
    /// A code of digits in this shape (`08`, `08-01`).
    Shape(&'static str),
}

/// Checks that a rule is well typed against `variables` and yields true/false.
pub fn check(expr: &Expr, variables: &[Variable]) -> Result<(), RuleError> {
    let ty = type_of(expr, variables)?;
    if ty != Type::Bool {
        return Err(mismatch(expr.span, Type::Bool, ty));
    }
    check_values(expr, variables, None)
}

fn mismatch(span: Span, expected: Type, found: Type) -> RuleError {
    RuleError::new(
        span,
        format!("expected {}, found {}", expected.name_en(), found.name_en()),
        format!("اینجا {} لازم است اما {} آمده است", expected.name_fa(), found.name_fa()),
    )
}

/// The type of an expression, or the first place where types do not fit.
pub fn type_of(expr: &Expr, variables: &[Variable]) -> Result<Type, RuleError> {
    let expect = |e: &Expr, t: Type| -> Result<(), RuleError> {
        let found = type_of(e, variables)?;
        if found == t { Ok(()) } else { Err(mismatch(e.span, t, found)) }
    };
    match &expr.kind {
        ExprKind::Int(_) => Ok(Type::Int),
        ExprKind::Str(_) => Ok(Type::Str),
        ExprKind::Bool(_) => Ok(Type::Bool),
        ExprKind::List(items) => {
            let Some(first) = items.first() else {
                return Err(RuleError::new(expr.span, "a list must not be empty", "فهرست نباید خالی باشد"));
            };
            // Lists hold constants: a missing value inside a list would make `in`
            // three-valued in SQL but not in the interpreter.
            if let Some(item) = items.iter().find(|e| !matches!(e.kind, ExprKind::Int(_) | ExprKind::Str(_))) {
                return Err(RuleError::new(
                    item.span,
                    "a list holds fixed numbers or texts",
                    "فهرست فقط عدد یا متن ثابت می‌پذیرد",
                ));
            }
            let ty = type_of(first, variables)?;
            for item in &items[1..] {
                expect(item, ty)?;
            }
            match ty {
                Type::Int => Ok(Type::IntList),
                Type::Str => Ok(Type::StrList),
                other => Err(RuleError::new(
                    first.span,
                    format!("lists hold numbers or texts, not {}", other.name_en()),
                    format!("فهرست فقط عدد یا متن می‌پذیرد، نه {}", other.name_fa()),
                )),
            }
        }
        ExprKind::Var(name) => variable(name, expr.span, variables).map(|v| v.ty),
        ExprKind::Has(name) => variable(name, expr.span, variables).map(|_| Type::Bool),
        ExprKind::Not(inner) => expect(inner, Type::Bool).map(|()| Type::Bool),
        ExprKind::Neg(inner) => expect(inner, Type::Int).map(|()| Type::Int),
        ExprKind::MinMax(_, a, b) => {
            expect(a, Type::Int)?;
            expect(b, Type::Int)?;
            Ok(Type::Int)
        }
        ExprKind::Cond(cond, yes, no) => {
            expect(cond, Type::Bool)?;
            let ty = type_of(yes, variables)?;
            expect(no, ty)?;
            Ok(ty)
        }
        ExprKind::Binary(op, left, right) => match op {
            BinaryOp::Or | BinaryOp::And => {
                expect(left, Type::Bool)?;
                expect(right, Type::Bool)?;
                Ok(Type::Bool)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                expect(left, Type::Int)?;
                expect(right, Type::Int)?;
                Ok(Type::Int)
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                expect(left, Type::Int)?;
                expect(right, Type::Int)?;
                Ok(Type::Bool)
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let ty = type_of(left, variables)?;
                if !matches!(ty, Type::Int | Type::Str | Type::Bool) {
                    return Err(mismatch(left.span, Type::Int, ty));
                }
                expect(right, ty)?;
                Ok(Type::Bool)
            }
            BinaryOp::In => {
                let ty = type_of(left, variables)?;
                let list = match ty {
                    Type::Int => Type::IntList,
                    Type::Str => Type::StrList,
                    other => return Err(mismatch(left.span, Type::Str, other)),
                };
                expect(right, list)?;
                Ok(Type::Bool)
            }
        },
    }
}

/// The variable a name refers to, or an error suggesting the nearest name.
fn variable<'v>(name: &str, span: Span, variables: &'v [Variable]) -> Result<&'v Variable, RuleError> {
    if let Some(v) = variables.iter().find(|v| v.name == name) {
        return Ok(v);
    }
    let nearest =
        variables.iter().map(|v| (distance(v.name, name), v.name)).filter(|(d, _)| *d <= 3).min().map(|(_, n)| n);
    Err(match nearest {
        Some(n) => RuleError::new(
            span,
            format!("unknown field {name:?}: did you mean {n}?"),
            format!("فیلد «{name}» شناخته نیست؛ شاید منظور {n} است؟"),
        ),
        None => RuleError::new(span, format!("unknown field {name:?}"), format!("فیلد «{name}» شناخته نیست")),
    })
}

/// The edit distance between two texts, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Checks what types cannot: that each text compared with a coded variable is one
/// of its values (suggesting the value meant), that nothing is divided by a zero
/// written in the rule, and that no arithmetic can leave the range of whole
/// numbers for any values the variables can take; a formula's amount must also
/// stay within `amount`, when given. The expression is type-checked already.
pub fn check_values(expr: &Expr, variables: &[Variable], amount: Option<(i64, i64)>) -> Result<(), RuleError> {
    literals(expr, variables)?;
    let bounds = bounds(expr, variables)?;
    if let (Some((low, high)), Some((lo, hi))) = (amount, bounds) {
        if lo < i128::from(low) {
            return Err(RuleError::new(
                expr.span,
                format!(
                    "the amount can be below {low} (as low as {lo}) for some beneficiaries: write max({low}, …) around it"
                ),
                format!(
                    "مبلغ برای برخی می‌تواند کمتر از {} شود (تا {}): آن را درون max({}, …) بنویسید",
                    crate::text::to_persian_digits(&low.to_string()),
                    crate::text::to_persian_digits(&lo.to_string()),
                    low
                ),
            ));
        }
        if hi > i128::from(high) {
            return Err(RuleError::new(
                expr.span,
                format!("the amount can exceed {high} rials a month (up to {hi}): write min({high}, …) around it"),
                format!(
                    "مبلغ می‌تواند از {} ریال در ماه بیشتر شود (تا {}): آن را درون min({}, …) بنویسید",
                    crate::text::to_persian_digits(&high.to_string()),
                    crate::text::to_persian_digits(&hi.to_string()),
                    high
                ),
            ));
        }
    }
    Ok(())
}

/// Texts compared with coded variables must be among their values.
fn literals(expr: &Expr, variables: &[Variable]) -> Result<(), RuleError> {
    let each = |e: &Expr| literals(e, variables);
    match &expr.kind {
        ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne | BinaryOp::In), l, r) => {
            let (var, other) = match (&l.kind, &r.kind) {
                (ExprKind::Var(name), _) => (Some(name), r),
                (_, ExprKind::Var(name)) if *op != BinaryOp::In => (Some(name), l),
                _ => (None, r),
            };
            if let Some(v) = var.and_then(|name| variables.iter().find(|v| v.name == name)) {
                match &other.kind {
                    ExprKind::Str(text) => known_value(v, text, other.span)?,
                    ExprKind::Int(n) => in_range(v, *n, other.span)?,
                    ExprKind::List(items) => {
                        for item in items {
                            match &item.kind {
                                ExprKind::Str(text) => known_value(v, text, item.span)?,
                                ExprKind::Int(n) => in_range(v, *n, item.span)?,
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            each(l)?;
            each(r)
        }
        ExprKind::List(items) => items.iter().try_for_each(each),
        ExprKind::Not(x) | ExprKind::Neg(x) => each(x),
        ExprKind::Binary(_, a, b) | ExprKind::MinMax(_, a, b) => {
            each(a)?;
            each(b)
        }
        ExprKind::Cond(c, y, n) => {
            each(c)?;
            each(y)?;
            each(n)
        }
        ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Var(_) | ExprKind::Has(_) => Ok(()),
    }
}

/// Whether a number compared for equality with `v` is one it can take.
fn in_range(v: &Variable, n: i64, span: Span) -> Result<(), RuleError> {
    match v.domain {
        Domain::Range(low, high) if !(low..=high).contains(&n) => Err(RuleError::new(
            span,
            format!("{} is never {n}: its values are {low} to {high}", v.name),
            format!(
                "{} هرگز {} نیست: مقدارهایش از {} تا {} است",
                v.name,
                crate::text::to_persian_digits(&n.to_string()),
                crate::text::to_persian_digits(&low.to_string()),
                crate::text::to_persian_digits(&high.to_string())
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether `text` is a value `v` can take; if not, an error naming the value meant.
fn known_value(v: &Variable, text: &str, span: Span) -> Result<(), RuleError> {
    let (known, suggestion, listed) = match v.domain {
        Domain::Codes(codes) => {
            let codes = codes();
            if codes.iter().any(|(code, _)| *code == text) {
                return Ok(());
            }
            let key = text.trim().to_lowercase().replace([' ', '-'], "_");
            let normalized = crate::text::normalize(text);
            let suggestion = codes
                .iter()
                .find(|(code, label)| *code == key || crate::text::normalize(label) == normalized)
                .or_else(|| {
                    codes.iter().filter(|(code, _)| distance(code, &key) <= 2).min_by_key(|(c, _)| distance(c, &key))
                })
                .map(|(code, _)| code.to_string());
            (false, suggestion, codes.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", "))
        }
        Domain::Shape(shape) => {
            let ascii = crate::text::to_ascii_digits(text.trim());
            let fits = |t: &str| {
                t.len() == shape.len()
                    && t.chars()
                        .zip(shape.chars())
                        .all(|(c, s)| c.is_ascii_digit() == s.is_ascii_digit() && (s.is_ascii_digit() || c == s))
            };
            if fits(text) {
                return Ok(());
            }
            // Each group of digits padded to the shape's width: 8 → 08, 8-1 → 08-01.
            let groups: Vec<&str> = ascii.split('-').collect();
            let widths: Vec<usize> = shape.split('-').map(str::len).collect();
            let padded = (groups.len() == widths.len()
                && groups.iter().all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit())))
            .then(|| groups.iter().zip(&widths).map(|(g, w)| format!("{g:0>w$}")).collect::<Vec<_>>().join("-"))
            .filter(|p| fits(p));
            (false, padded, format!("codes shaped like {shape}"))
        }
        Domain::Any | Domain::Range(..) => (true, None, String::new()),
    };
    if known {
        return Ok(());
    }
    Err(match suggestion {
        Some(s) => RuleError::new(
            span,
            format!("{text:?} is not a value of {}: did you mean {s:?}? ({listed})", v.name),
            format!("«{text}» از مقدارهای {} نیست؛ شاید منظور «{s}» است؟ ({listed})", v.name),
        ),
        None => RuleError::new(
            span,
            format!("{text:?} is not a value of {} ({listed})", v.name),
            format!("«{text}» از مقدارهای {} نیست ({listed})", v.name),
        ),
    })
}

/// The least and greatest value a number expression can take (`None` for other
/// types), refusing arithmetic that could leave the whole numbers SQL and the
/// interpreter share, and division by a written zero.
fn bounds(expr: &Expr, variables: &[Variable]) -> Result<Option<(i128, i128)>, RuleError> {
    const LIMIT: i128 = i64::MAX as i128;
    let fit = |e: &Expr, (lo, hi): (i128, i128)| -> Result<Option<(i128, i128)>, RuleError> {
        if lo < -LIMIT || hi > LIMIT {
            Err(RuleError::new(
                e.span,
                "this arithmetic can exceed the largest whole number (9223372036854775807) for some values: keep amounts and counts smaller",
                "این محاسبه برای برخی مقدارها می‌تواند از بزرگ‌ترین عدد درست (9223372036854775807) بگذرد: مقدارها را کوچک‌تر نگه دارید",
            ))
        } else {
            Ok(Some((lo, hi)))
        }
    };
    let num = |e: &Expr| -> Result<(i128, i128), RuleError> {
        bounds(e, variables)?.ok_or_else(|| RuleError::new(e.span, "expected a number", "اینجا عدد لازم است"))
    };
    match &expr.kind {
        ExprKind::Int(n) => Ok(Some((i128::from(*n), i128::from(*n)))),
        ExprKind::Var(name) => Ok(match variables.iter().find(|v| v.name == name).map(|v| v.domain) {
            Some(Domain::Range(lo, hi)) => Some((i128::from(lo), i128::from(hi))),
            Some(_) | None => match variables.iter().find(|v| v.name == name).map(|v| v.ty) {
                Some(Type::Int) => Some((-LIMIT, LIMIT)),
                _ => None,
            },
        }),
        ExprKind::Neg(x) => {
            let (lo, hi) = num(x)?;
            fit(expr, (-hi, -lo))
        }
        ExprKind::MinMax(min, a, b) => {
            let ((alo, ahi), (blo, bhi)) = (num(a)?, num(b)?);
            Ok(Some(if *min { (alo.min(blo), ahi.min(bhi)) } else { (alo.max(blo), ahi.max(bhi)) }))
        }
        ExprKind::Cond(c, y, n) => {
            bounds(c, variables)?;
            match (bounds(y, variables)?, bounds(n, variables)?) {
                (Some((ylo, yhi)), Some((nlo, nhi))) => Ok(Some((ylo.min(nlo), yhi.max(nhi)))),
                _ => Ok(None),
            }
        }
        ExprKind::Binary(
            op @ (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem),
            a,
            b,
        ) => {
            let ((alo, ahi), (blo, bhi)) = (num(a)?, num(b)?);
            let range = match op {
                BinaryOp::Add => (alo + blo, ahi + bhi),
                BinaryOp::Sub => (alo - bhi, ahi - blo),
                BinaryOp::Mul => {
                    let products = [alo * blo, alo * bhi, ahi * blo, ahi * bhi];
                    (products.iter().copied().min().unwrap_or(0), products.iter().copied().max().unwrap_or(0))
                }
                _ => {
                    if (blo, bhi) == (0, 0) {
                        return Err(RuleError::new(b.span, "division by zero", "تقسیم بر صفر"));
                    }
                    // A zero divisor gives unknown, so the divisor ranges over its
                    // values without zero; when they keep one sign, the quotient's
                    // extremes are at the corners (or zero).
                    let (blo, bhi) = (if blo == 0 { 1 } else { blo }, if bhi == 0 { -1 } else { bhi });
                    let most = alo.abs().max(ahi.abs());
                    if *op == BinaryOp::Rem {
                        // |a % b| < |b| and |a % b| <= |a|, with a's sign.
                        let most = most.min(blo.abs().max(bhi.abs()) - 1);
                        (if alo < 0 { -most } else { 0 }, if ahi > 0 { most } else { 0 })
                    } else if blo > 0 || bhi < 0 {
                        let q = [alo / blo, alo / bhi, ahi / blo, ahi / bhi, 0];
                        (q.iter().copied().min().unwrap_or(0), q.iter().copied().max().unwrap_or(0))
                    } else {
                        (-most, most)
                    }
                }
            };
            fit(expr, range)
        }
        ExprKind::Binary(_, a, b) => {
            bounds(a, variables)?;
            bounds(b, variables)?;
            Ok(None)
        }
        ExprKind::List(items) => {
            for item in items {
                bounds(item, variables)?;
            }
            Ok(None)
        }
        ExprKind::Not(x) => {
            bounds(x, variables)?;
            Ok(None)
        }
        ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Has(_) => Ok(None),
    }
}

/// A value while evaluating a rule for one beneficiary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Str(String),
    Bool(bool),
    List(Vec<Value>),
    /// The beneficiary has no value for a field (an unknown income, say).
    Null,
}

/// Evaluates a checked rule with the values of one beneficiary. A comparison with
/// a missing value is false, as in SQL's `WHERE`; `!` of such a comparison is true
/// only when the inner value is known, matching `NOT` of a NULL in SQL (which stays
/// NULL and so does not qualify).
pub fn evaluate(expr: &Expr, lookup: &dyn Fn(&str) -> Value) -> Value {
    use Value as V;
    match &expr.kind {
        ExprKind::Int(n) => V::Int(*n),
        ExprKind::Str(s) => V::Str(s.clone()),
        ExprKind::Bool(b) => V::Bool(*b),
        ExprKind::List(items) => V::List(items.iter().map(|e| evaluate(e, lookup)).collect()),
        ExprKind::Var(name) => lookup(name),
        ExprKind::Has(name) => V::Bool(lookup(name) != V::Null),
        ExprKind::Not(inner) => match evaluate(inner, lookup) {
            V::Bool(b) => V::Bool(!b),
            _ => V::Null,
        },
        ExprKind::Neg(inner) => match evaluate(inner, lookup) {
            V::Int(n) => n.checked_neg().map(V::Int).unwrap_or(V::Null),
            _ => V::Null,
        },
        ExprKind::MinMax(min, a, b) => match (evaluate(a, lookup), evaluate(b, lookup)) {
            (V::Int(x), V::Int(y)) => V::Int(if *min { x.min(y) } else { x.max(y) }),
            _ => V::Null,
        },
        ExprKind::Cond(cond, yes, no) => match evaluate(cond, lookup) {
            V::Bool(true) => evaluate(yes, lookup),
            V::Bool(false) => evaluate(no, lookup),
            _ => V::Null,
        },
        ExprKind::Binary(op, left, right) => {
            let l = evaluate(left, lookup);
            // Three-valued logic as in SQL: false && null is false, true || null is true.
            match op {
                BinaryOp::And => {
                    let r = evaluate(right, lookup);
                    return match (l, r) {
                        (V::Bool(false), _) | (_, V::Bool(false)) => V::Bool(false),
                        (V::Bool(true), V::Bool(true)) => V::Bool(true),
                        _ => V::Null,
                    };
                }
                BinaryOp::Or => {
                    let r = evaluate(right, lookup);
                    return match (l, r) {
                        (V::Bool(true), _) | (_, V::Bool(true)) => V::Bool(true),
                        (V::Bool(false), V::Bool(false)) => V::Bool(false),
                        _ => V::Null,
                    };
                }
                _ => {}
            }
            let r = evaluate(right, lookup);
            match (op, l, r) {
                (_, V::Null, _) | (_, _, V::Null) => V::Null,
                (BinaryOp::Add, V::Int(a), V::Int(b)) => a.checked_add(b).map(V::Int).unwrap_or(V::Null),
                (BinaryOp::Sub, V::Int(a), V::Int(b)) => a.checked_sub(b).map(V::Int).unwrap_or(V::Null),
                (BinaryOp::Mul, V::Int(a), V::Int(b)) => a.checked_mul(b).map(V::Int).unwrap_or(V::Null),
                (BinaryOp::Div, V::Int(a), V::Int(b)) => a.checked_div(b).map(V::Int).unwrap_or(V::Null),
                (BinaryOp::Rem, V::Int(a), V::Int(b)) => a.checked_rem(b).map(V::Int).unwrap_or(V::Null),
                (BinaryOp::Lt, V::Int(a), V::Int(b)) => V::Bool(a < b),
                (BinaryOp::Le, V::Int(a), V::Int(b)) => V::Bool(a <= b),
                (BinaryOp::Gt, V::Int(a), V::Int(b)) => V::Bool(a > b),
                (BinaryOp::Ge, V::Int(a), V::Int(b)) => V::Bool(a >= b),
                (BinaryOp::Eq, a, b) => V::Bool(a == b),
                (BinaryOp::Ne, a, b) => V::Bool(a != b),
                (BinaryOp::In, a, V::List(items)) => V::Bool(items.contains(&a)),
                _ => V::Null,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rules built to exhaust the server are refused with a position, without
    /// recursing deeper than the limits (they used to overflow the stack).
    #[test]
    fn hostile_rules_are_refused_not_crashed() {
        let nested = format!("{}person.age > 1{}", "(".repeat(850), ")".repeat(850));
        let nots = format!("{}person.alive", "!".repeat(5_000));
        let chain = vec!["person.age > 1"; 10_000].join(" && ");
        let counties = (0..1_000).map(|i| format!("place.county == '{i}'")).collect::<Vec<_>>().join(" || ");
        let mins = format!("{}1{}", "min(person.age, ".repeat(70), ")".repeat(70));
        // As deep as a rule may nest, `min` is accepted: SQL writes it once.
        assert!(parse(&format!("{}1{} > 1", "min(person.age + 1, ".repeat(60), ")".repeat(60))).is_ok());
        for (what, text) in
            [("parentheses", nested), ("negations", nots), ("a chain", chain), ("counties", counties), ("min", mins)]
        {
            let err = parse(&text).and_then(|e| check(&e, &VARS).map(|()| e)).expect_err(what);
            assert!(err.span.start <= text.len(), "{what}: {err:?}");
            assert!(
                err.message_en.contains("at most") && err.message_fa.contains("حداکثر"),
                "{what}: {} / {}",
                err.message_en,
                err.message_fa
            );
        }
        // Within the limits, a long list is written as a list.
        let list = format!("place.county in [{}]", (0..450).map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", "));
        assert!(parse(&list).is_ok());
        assert!(parse(&vec!["person.age > 1"; 60].join(" && ")).is_ok());
    }

    fn severities() -> Vec<(&'static str, &'static str)> {
        vec![("mild", "خفیف"), ("severe", "شدید"), ("very_severe", "خیلی شدید")]
    }

    const VARS: [Variable; 5] = [
        Variable {
            name: "person.age",
            ty: Type::Int,
            doc_en: "age in whole years",
            doc_fa: "سن",
            domain: Domain::Range(0, 150),
        },
        Variable {
            name: "person.income",
            ty: Type::Int,
            doc_en: "monthly income in rials",
            doc_fa: "درآمد ماهانه",
            domain: Domain::Range(0, 100_000_000_000),
        },
        Variable {
            name: "person.alive", ty: Type::Bool, doc_en: "alive", doc_fa: "در قید حیات", domain: Domain::Any
        },
        Variable {
            name: "disability.severity",
            ty: Type::Str,
            doc_en: "severity",
            doc_fa: "شدت معلولیت",
            domain: Domain::Codes(severities),
        },
        Variable {
            name: "household.size",
            ty: Type::Int,
            doc_en: "members",
            doc_fa: "شمار اعضا",
            domain: Domain::Range(0, 1_000),
        },
    ];

    fn checked(text: &str) -> Expr {
        let expr = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        check(&expr, &VARS).unwrap_or_else(|e| panic!("{text}: {e}"));
        expr
    }

    fn eval(text: &str, values: &[(&str, Value)]) -> Value {
        let expr = checked(text);
        evaluate(&expr, &|name| values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or(Value::Null))
    }

    #[test]
    fn the_pension_rule_parses_checks_and_evaluates() {
        let rule = r#"person.age >= 18 && disability.severity in ["severe", "very_severe"] && person.alive"#;
        let adult_severe = [
            ("person.age", Value::Int(40)),
            ("disability.severity", Value::Str("severe".into())),
            ("person.alive", Value::Bool(true)),
        ];
        assert_eq!(eval(rule, &adult_severe), Value::Bool(true));
        let mild = [
            ("person.age", Value::Int(40)),
            ("disability.severity", Value::Str("mild".into())),
            ("person.alive", Value::Bool(true)),
        ];
        assert_eq!(eval(rule, &mild), Value::Bool(false));
        // No assessment at all: not eligible (unknown, which does not qualify).
        assert_eq!(eval(rule, &[("person.age", Value::Int(40)), ("person.alive", Value::Bool(true))]), Value::Null);
        // But a known false anywhere decides.
        assert_eq!(eval(rule, &[("person.age", Value::Int(10))]), Value::Bool(false));
    }

    #[test]
    fn arithmetic_precedence_and_conditionals() {
        assert_eq!(eval("1 + 2 * 3 == 7", &[]), Value::Bool(true));
        assert_eq!(eval("(1 + 2) * 3 == 9", &[]), Value::Bool(true));
        assert_eq!(eval("-household.size < 0", &[("household.size", Value::Int(3))]), Value::Bool(true));
        assert_eq!(eval("(household.size > 4 ? 2 : 1) == 2", &[("household.size", Value::Int(5))]), Value::Bool(true));
        assert_eq!(eval("!(person.income > 10) || false", &[("person.income", Value::Int(5))]), Value::Bool(true));
        assert_eq!(eval("10 / (household.size - 3) == 1", &[("household.size", Value::Int(3))]), Value::Null);
        assert_eq!(
            eval("min(household.size, 5) + max(0, -3) == 5", &[("household.size", Value::Int(7))]),
            Value::Bool(true)
        );
        assert_eq!(parse("min(1)").unwrap_err().message_en, "expected \",\" here");
    }

    #[test]
    fn errors_point_at_the_place_in_both_languages() {
        let e = parse("person.age >= ").unwrap_err();
        assert_eq!((e.span.start, e.message_en.as_str()), (14, "the rule ends too early"));
        let e = parse("person.age >= 18 18").unwrap_err();
        assert_eq!(e.span.start, 17);
        let e = parse("person.name == 'x").unwrap_err();
        assert_eq!(e.message_fa, "متن با گیومه بسته نشده است");
        let e = parse("person.age # 3").unwrap_err();
        assert_eq!(e.span, Span { start: 11, end: 12 });

        let expr = parse("person.agee >= 18").unwrap();
        let e = check(&expr, &VARS).unwrap_err();
        assert_eq!(
            (e.span, e.message_en.as_str()),
            (Span { start: 0, end: 11 }, "unknown field \"person.agee\": did you mean person.age?")
        );
        assert_eq!(e.message_fa, "فیلد «person.agee» شناخته نیست؛ شاید منظور person.age است؟");

        let expr = parse("person.age >= 'eighteen'").unwrap();
        let e = check(&expr, &VARS).unwrap_err();
        assert_eq!(e.span, Span { start: 14, end: 24 });
        assert_eq!(e.message_en, "expected a number, found text");

        let expr = parse("person.age + 1").unwrap();
        assert_eq!(check(&expr, &VARS).unwrap_err().message_en, "expected true/false, found a number");
        let expr = parse("disability.severity in [1, 2]").unwrap();
        assert_eq!(check(&expr, &VARS).unwrap_err().message_en, "expected a list of texts, found a list of numbers");
        let expr = parse("person.age in [1, 'a']").unwrap();
        assert_eq!(check(&expr, &VARS).unwrap_err().span, Span { start: 18, end: 21 });
    }

    fn refused(text: &str) -> RuleError {
        match parse(text) {
            Err(e) => e,
            Ok(expr) => check(&expr, &VARS).expect_err(text),
        }
    }

    /// Misspelt values used to select no one silently; now each names the value meant.
    #[test]
    fn texts_compared_with_coded_fields_must_be_their_values() {
        let e = refused("disability.severity == 'very severe'");
        assert_eq!(e.span, Span { start: 23, end: 36 });
        assert!(e.message_en.contains("did you mean \"very_severe\"?"), "{}", e.message_en);
        assert!(e.message_fa.contains("شاید منظور «very_severe» است؟"), "{}", e.message_fa);
        let e = refused("disability.severity in ['severe', 'شدید ', 'Mild']");
        assert_eq!(e.span.start, 34, "the Persian label: {}", e.message_en);
        assert!(e.message_en.contains("did you mean \"severe\"?"), "{}", e.message_en);
        assert!(refused("disability.severity != 'extreme'").message_en.ends_with("(mild, severe, very_severe)"));
        // A number a variable never takes, compared for equality, is refused too.
        let e = refused("household.size == 0 || household.size in [1, 2000]");
        assert_eq!(e.message_en, "household.size is never 2000: its values are 0 to 1000");
        assert!(check(&parse("disability.severity in ['severe', 'very_severe']").unwrap(), &VARS).is_ok());
        // And 'x' == field, written the other way round.
        assert!(refused("'Severe' == disability.severity").message_en.contains("did you mean \"severe\"?"));
    }

    #[test]
    fn codes_of_a_shape_suggest_the_padded_code() {
        use crate::programs::variables::VARIABLES;
        let refused = |text: &str| check(&parse(text).unwrap(), VARIABLES).unwrap_err().message_en;
        assert!(refused("place.province == '8'").contains("did you mean \"08\"?"));
        assert!(refused("place.county in ['08-01', '8-3']").contains("did you mean \"08-03\"?"));
        assert!(refused("person.sex == 'Female'").contains("did you mean \"female\"?"));
        assert!(refused("person.sex == 'زن'").contains("did you mean \"female\"?"));
        assert!(refused("person.employment == 'jobless'").contains("(employed, unemployed,"));
        assert!(check(&parse("place.province == '08' && place.county == '08-01'").unwrap(), VARIABLES).is_ok());
    }

    /// Each of these used to say "the rule goes on after a complete expression".
    #[test]
    fn common_mistakes_get_their_own_message() {
        let cases = [
            ("person.age > 18 and person.alive", "write && for and"),
            ("person.age = 18", "write == to compare"),
            ("person.age between 18 and 65", "there is no between"),
            ("person.income < 30,000,000", "without thousands separators"),
            ("person.income < 30٬000٬000", "without thousands separators"),
            ("person.age > 1.5", "no decimal point"),
            ("person.income == null", "has(field)"),
            ("size(person.age) > 1", "the functions are min, max and has"),
            ("person.age > 18 person.alive", "an operator is missing"),
            ("10 / 0 > 1", "division by zero"),
        ];
        for (text, expected) in cases {
            let e = refused(text);
            assert!(e.message_en.contains(expected), "{text}: {}", e.message_en);
            assert!(!e.message_fa.is_empty());
        }
        // Persian digits are numbers, as everywhere else.
        assert_eq!(eval("person.age >= ۱۸", &[("person.age", Value::Int(18))]), Value::Bool(true));
        assert_eq!(checked("person.age >= ۱۸").shape(), checked("person.age >= 18").shape());
        // has() tests whether a value is recorded, and is never unknown.
        assert_eq!(eval("has(person.income)", &[]), Value::Bool(false));
        assert_eq!(eval("!has(person.income) || person.income < 10", &[]), Value::Bool(true));
        assert_eq!(eval("has(person.income)", &[("person.income", Value::Int(0))]), Value::Bool(true));
        assert_eq!(checked("has(person.income)").to_text(), "has(person.income)");
        // A formula's messages name a formula.
        let e = parse_as("20000000 +", Subject::Formula).unwrap_err();
        assert_eq!(e.message_en, "the formula ends too early");
        assert_eq!(e.message_fa, "فرمول ناتمام است");
    }

    /// Arithmetic that could overflow gave three answers (SQLite, PostgreSQL, the
    /// interpreter); now it is refused for every value the variables can take.
    #[test]
    fn arithmetic_that_could_overflow_is_refused_before_it_runs() {
        let e = refused("person.income * person.income > 1");
        assert!(e.message_en.contains("can exceed the largest whole number"), "{}", e.message_en);
        assert_eq!(e.span, Span { start: 0, end: 29 });
        assert!(refused("9223372036854775807 + household.size > 0").message_en.contains("can exceed"));
        assert!(refused("-person.income * 100000000000 < 0").message_en.contains("can exceed"));
        assert!(
            checked("person.income * 12 > 1000000000 && household.size * 10000000 < 9000000000").to_text().len() > 1
        );
        // Formulas stay within an amount a month: not negative, not beyond the ceiling.
        let amount = Some((0, 100_000_000_000));
        let formula = |t: &str| check_values(&parse_as(t, Subject::Formula).unwrap(), &VARS, amount);
        let e = formula("50000000 - person.income / 2").unwrap_err();
        assert!(e.message_en.contains("can be below 0") && e.message_en.contains("max(0, …)"), "{}", e.message_en);
        assert!(formula("max(0, 50000000 - person.income / 2)").is_ok());
        let e = formula("person.income * 2").unwrap_err();
        assert!(e.message_en.contains("can exceed 100000000000 rials a month"), "{}", e.message_en);
        assert!(formula("20000000 + 5000000 * min(household.size, 5)").is_ok());
    }

    fn arb_expr() -> impl proptest::strategy::Strategy<Value = Expr> {
        use proptest::prelude::*;
        let span = Span { start: 0, end: 0 };
        let leaf = prop_oneof![
            (0i64..1000).prop_map(ExprKind::Int),
            (0i64..=i64::MAX).prop_map(ExprKind::Int),
            "[a-z ]{0,5}".prop_map(ExprKind::Str),
            any::<bool>().prop_map(ExprKind::Bool),
            prop::sample::select(vec!["person.age", "household.size", "disability.severity"])
                .prop_map(|v| ExprKind::Var(v.into())),
        ]
        .prop_map(move |kind| Expr { kind, span });
        leaf.prop_recursive(4, 24, 3, move |inner| {
            let ops = prop::sample::select(vec![
                BinaryOp::Or,
                BinaryOp::And,
                BinaryOp::Lt,
                BinaryOp::Le,
                BinaryOp::Gt,
                BinaryOp::Ge,
                BinaryOp::Eq,
                BinaryOp::Ne,
                BinaryOp::In,
                BinaryOp::Add,
                BinaryOp::Sub,
                BinaryOp::Mul,
                BinaryOp::Div,
                BinaryOp::Rem,
            ]);
            prop_oneof![
                (ops, inner.clone(), inner.clone())
                    .prop_map(move |(op, l, r)| Expr { kind: ExprKind::Binary(op, Box::new(l), Box::new(r)), span }),
                inner.clone().prop_map(move |e| Expr { kind: ExprKind::Not(Box::new(e)), span }),
                (any::<bool>(), inner.clone(), inner.clone())
                    .prop_map(move |(m, a, b)| Expr { kind: ExprKind::MinMax(m, Box::new(a), Box::new(b)), span }),
                proptest::collection::vec(inner.clone(), 1..3)
                    .prop_map(move |items| Expr { kind: ExprKind::List(items), span }),
                (inner.clone(), inner.clone(), inner).prop_map(move |(c, y, n)| Expr {
                    kind: ExprKind::Cond(Box::new(c), Box::new(y), Box::new(n)),
                    span
                }),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn printed_rules_parse_back_to_the_same_tree(expr in arb_expr()) {
            let text = expr.to_text();
            let parsed = parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            proptest::prop_assert_eq!(parsed.shape(), expr.shape(), "{}", text);
            // And checking and evaluating any tree never panics.
            let _ = check(&parsed, &VARS);
            let _ = evaluate(&parsed, &|_| Value::Int(1));
        }
    }

    proptest::proptest! {
        /// Whatever values the variables take within their ranges, a number
        /// expression that passed the check stays within its bounds (so it never
        /// overflows in SQL or here).
        #[test]
        fn checked_arithmetic_stays_within_its_bounds(
            expr in arb_expr(),
            age in 0i64..=150,
            size in 0i64..=1_000,
            big in proptest::bool::ANY,
        ) {
            let num = Expr { kind: ExprKind::Binary(BinaryOp::Add, Box::new(expr), Box::new(Expr { kind: ExprKind::Int(0), span: Span { start: 0, end: 0 } })), span: Span { start: 0, end: 0 } };
            if type_of(&num, &VARS).is_ok() && literals(&num, &VARS).is_ok()
                && let Ok(Some((lo, hi))) = bounds(&num, &VARS)
            {
                let (age, size) = if big { (150, 1_000) } else { (age, size) };
                let value = evaluate(&num, &|name| match name {
                    "person.age" => Value::Int(age),
                    "household.size" => Value::Int(size),
                    _ => Value::Null,
                });
                if let Value::Int(n) = value {
                    proptest::prop_assert!(lo <= i128::from(n) && i128::from(n) <= hi, "{} = {n} not in {lo}..{hi}", num.to_text());
                }
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics() {
        for text in ["", "(((", "[", "[1,", "a.", "!!", "1 ? 2", "'", "\"abc", "1 in", "a.b.c.d == 1", "٣ > 2"] {
            if let Ok(expr) = parse(text) {
                let _ = check(&expr, &VARS);
            }
        }
    }
}
