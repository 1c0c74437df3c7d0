//! Coded values: closed sets whose members have a stored code (in the database,
//! files and the API) and a Persian label (on screen). Every module declares its own
//! with [`coded!`]; nothing else spells a state or a category as a free string.

/// A closed set of coded values: the code stored in the database and files, and
/// the label people read.
pub trait Coded: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label_fa(self) -> &'static str;

    /// The value with this stored code.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Defines a closed set of coded values, each with its stored code and Persian
/// label; `parse` accepts either (and the Persian label normalized).
macro_rules! coded {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal $fa:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The code stored in the database and files.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            pub fn label_fa(self) -> &'static str {
                match self { $($name::$variant => $fa,)* }
            }

            /// Reads a code (`very_severe`) or a Persian label (`خیلی شدید`).
            pub fn parse(field: &'static str, input: &str) -> Result<Self, $crate::error::DomainError> {
                let trimmed = input.trim();
                if trimmed.is_empty() {
                    return Err($crate::error::DomainError::new(field, $crate::error::Reason::Empty));
                }
                // Codes first (the common case in files), then Persian labels.
                if let Some(v) = Self::ALL.iter().copied().find(|v| v.code() == trimmed) {
                    return Ok(v);
                }
                let lower = trimmed.to_lowercase().replace([' ', '-'], "_");
                let norm = $crate::text::normalize(trimmed);
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == lower || $crate::text::normalize(v.label_fa()) == norm)
                    .ok_or($crate::error::DomainError::new(field, $crate::error::Reason::NotInList))
            }
        }

        /// Reads a stored code (the store decodes columns with it).
        impl TryFrom<String> for $name {
            type Error = $crate::error::DomainError;
            fn try_from(code: String) -> Result<Self, Self::Error> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == code)
                    .ok_or($crate::error::DomainError::new(stringify!($name), $crate::error::Reason::NotInList))
            }
        }

        impl std::fmt::Display for $name {
            /// The stored code.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl $crate::coded::Coded for $name {
            const ALL: &'static [$name] = $name::ALL;
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label_fa(self) -> &'static str {
                $name::label_fa(self)
            }
        }
    };
}

pub(crate) use coded;
